// A small Redis client for the shared DAU store (RESP2 over one TCP connection, pipelined, in-order replies).
// Hand-written rather than ioredis/node-redis: the bootstrap is preloaded into every service and promises prom-client
// cost at startup and idle RSS, and it needs one command (EVAL); a library would add its module graph to that.
// Correctness rules it keeps (each was a way to lose users before):
// - every connection has its own queue of written commands and its own read buffer: a late 'close' of an old socket
//   fails only that socket's commands, and a reply can never resolve another connection's command;
// - commands are written only to a connected, authenticated socket; there is no idle timeout (the socket is unref'd and
//   kept alive), only a timeout per written command, which drops that connection;
// - a command whose connection dropped is sent again on the next connection (bounded attempts, backoff): every command
//   used here is idempotent;
// - AUTH/SELECT errors fail the commands with that error and are logged once.
import type { Socket } from 'node:net';
import { describe, warnOnce } from '../log.ts';

const { createConnection } = process.getBuiltinModule('node:net');

export type Reply = string | number | null | Reply[];

interface Command {
  payload: string;
  name: string;
  attempts: number;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

interface Connection {
  socket: Socket;
  ready: boolean;
  dead: boolean;
  buffer: Buffer;
  /** Written and not yet answered, in order. Handshake entries (AUTH/SELECT) have no command. */
  inflight: { command: Command | undefined; timer: NodeJS.Timeout }[];
}

export interface RedisOptions {
  /** How long a written command may wait for its reply (and a connection for its handshake). */
  timeoutMillis?: number;
  /** How many connections a command is tried on before it fails. */
  maxAttempts?: number;
}

export class RedisClient {
  private conn: Connection | undefined;
  private readonly queue: Command[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly db: number;
  private readonly password: string | undefined;
  private readonly username: string | undefined;
  private readonly timeoutMillis: number;
  private readonly maxAttempts: number;
  private failures = 0;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(url: string, opts: RedisOptions = {}) {
    const u = new URL(url);
    if (u.protocol !== 'redis:') throw new Error(`unsupported Redis URL scheme ${u.protocol} (redis:// only)`);
    this.host = u.hostname || '127.0.0.1';
    this.port = u.port ? Number(u.port) : 6379;
    this.db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
    if (!Number.isInteger(this.db) || this.db < 0) throw new Error(`invalid Redis database number in ${u.pathname}`);
    this.password = u.password ? decodeURIComponent(u.password) : undefined;
    this.username = u.username ? decodeURIComponent(u.username) : undefined;
    this.timeoutMillis = opts.timeoutMillis ?? 5000;
    this.maxAttempts = opts.maxAttempts ?? 3;
  }

  command(args: string[]): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('Redis client closed'));
    return new Promise<Reply>((resolve, reject) => {
      this.queue.push({ payload: encode(args), name: args[0] ?? '', attempts: 0, resolve, reject });
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnect);
    const err = new Error('Redis client closed');
    if (this.conn) this.drop(this.conn, err);
    for (const c of this.queue.splice(0)) c.reject(err);
  }

  /** Writes queued commands to a ready connection, opening one (after the backoff delay) if needed. */
  private pump(): void {
    if (this.queue.length === 0 || this.reconnect !== undefined) return;
    const conn = this.conn ?? this.open();
    if (!conn.ready) return;
    for (const command of this.queue.splice(0)) this.write(conn, command);
  }

  private write(conn: Connection, command: Command | undefined, payload = command?.payload ?? ''): void {
    const timer = setTimeout(
      () =>
        this.drop(
          conn,
          new Error(`Redis did not answer ${command?.name ?? 'the handshake'} within ${this.timeoutMillis} ms`),
        ),
      this.timeoutMillis,
    );
    timer.unref();
    conn.inflight.push({ command, timer });
    conn.socket.write(payload);
  }

  private open(): Connection {
    const socket = createConnection({ host: this.host, port: this.port });
    const conn: Connection = { socket, ready: false, dead: false, buffer: Buffer.alloc(0), inflight: [] };
    this.conn = conn;
    socket.unref();
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const connectTimer = setTimeout(
      () =>
        this.drop(
          conn,
          new Error(`could not connect to Redis at ${this.host}:${this.port} within ${this.timeoutMillis} ms`),
        ),
      this.timeoutMillis,
    );
    connectTimer.unref();
    socket.on('connect', () => {
      clearTimeout(connectTimer);
      const handshake: string[][] = [];
      if (this.password !== undefined)
        handshake.push(this.username !== undefined ? ['AUTH', this.username, this.password] : ['AUTH', this.password]);
      if (this.db !== 0) handshake.push(['SELECT', String(this.db)]);
      for (const args of handshake) this.write(conn, undefined, encode(args));
      if (handshake.length === 0) this.ready(conn);
    });
    socket.on('data', (d: Buffer) => this.onData(conn, d));
    socket.on('error', (err) => this.drop(conn, err));
    socket.on('close', () => {
      clearTimeout(connectTimer);
      this.drop(conn, new Error('Redis connection closed'));
    });
    return conn;
  }

  private ready(conn: Connection): void {
    conn.ready = true;
    this.failures = 0;
    this.pump();
  }

  /** Ends a connection: its unanswered commands go back to the front of the queue, or fail after maxAttempts. */
  private drop(conn: Connection, err: Error, retry = true): void {
    if (conn.dead) return;
    conn.dead = true;
    conn.socket.destroy();
    if (this.conn === conn) this.conn = undefined;
    const again: Command[] = [];
    for (const { command, timer } of conn.inflight.splice(0)) {
      clearTimeout(timer);
      if (command !== undefined) again.push(command);
    }
    again.push(...this.queue.splice(0));
    for (const c of again) {
      c.attempts++;
      if (!retry || this.closed || c.attempts >= this.maxAttempts) c.reject(err);
      else this.queue.push(c);
    }
    if (this.queue.length > 0 && !this.closed) {
      // Back off 100 ms, 200 ms, ... up to 2 s between connection attempts.
      const delay = Math.min(2000, 100 * 2 ** this.failures++);
      this.reconnect = setTimeout(() => {
        this.reconnect = undefined;
        this.pump();
      }, delay);
      this.reconnect.unref();
    }
  }

  private onData(conn: Connection, d: Buffer): void {
    if (conn.dead) return;
    conn.buffer = conn.buffer.length === 0 ? d : Buffer.concat([conn.buffer, d]);
    for (;;) {
      const parsed = parse(conn.buffer, 0);
      if (parsed === undefined) return;
      conn.buffer = conn.buffer.subarray(parsed.end);
      const entry = conn.inflight.shift();
      if (entry === undefined || parsed.protocolError) {
        this.drop(conn, new Error(parsed.error ?? 'Redis sent a reply nobody asked for'));
        return;
      }
      clearTimeout(entry.timer);
      if (entry.command === undefined) {
        // A handshake reply: an AUTH/SELECT error will not heal by retrying, so fail the commands and say so once.
        if (parsed.error !== undefined) {
          const err = new Error(`Redis refused the connection handshake: ${parsed.error}`);
          warnOnce('dau:redis-auth', `${describe(err)} (check FOURSIGNALS_DAU_REDIS_URL's user, password and db)`);
          this.drop(conn, err, false);
          return;
        }
        if (conn.inflight.every((e) => e.command !== undefined)) this.ready(conn);
        continue;
      }
      if (parsed.error !== undefined) entry.command.reject(new Error(parsed.error));
      else entry.command.resolve(parsed.value);
    }
  }
}

function encode(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

interface Parsed {
  value: Reply;
  error?: string;
  protocolError?: boolean;
  end: number;
}

function parse(buf: Buffer, at: number): Parsed | undefined {
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, nl);
  const next = nl + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: null, error: line, end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: Reply[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const p = parse(buf, pos);
        if (p === undefined) return undefined;
        if (p.protocolError) return p;
        items.push(p.value);
        pos = p.end;
      }
      return { value: items, end: pos };
    }
    default:
      return {
        value: null,
        error: `unexpected Redis reply type ${JSON.stringify(type)}`,
        protocolError: true,
        end: buf.length,
      };
  }
}
