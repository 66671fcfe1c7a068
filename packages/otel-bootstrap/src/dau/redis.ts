// A minimal Redis client (RESP2 over one TCP connection, pipelined, in-order replies): enough for PFADD, PFCOUNT
// and EXPIRE without a dependency. The socket is unref'd so it never keeps the host process alive.
import type { Socket } from 'node:net';

const { createConnection } = process.getBuiltinModule('node:net');

type Reply = string | number | null | Reply[];
interface Pending {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

export class RedisClient {
  private socket: Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly db: number;
  private readonly password: string | undefined;
  private readonly username: string | undefined;
  private readonly timeoutMillis: number;

  constructor(url: string, timeoutMillis = 2000) {
    const u = new URL(url);
    if (u.protocol !== 'redis:') throw new Error(`unsupported Redis URL scheme ${u.protocol} (redis:// only)`);
    this.host = u.hostname || '127.0.0.1';
    this.port = u.port ? Number(u.port) : 6379;
    this.db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
    this.password = u.password ? decodeURIComponent(u.password) : undefined;
    this.username = u.username ? decodeURIComponent(u.username) : undefined;
    this.timeoutMillis = timeoutMillis;
  }

  private connect(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const s = createConnection({ host: this.host, port: this.port });
    s.unref();
    s.setNoDelay(true);
    s.setTimeout(this.timeoutMillis, () => s.destroy(new Error('Redis timeout')));
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', () => {});
    s.on('close', () => {
      if (this.socket === s) this.socket = undefined;
      this.buffer = Buffer.alloc(0);
      const err = new Error('Redis connection closed');
      for (const p of this.pending.splice(0)) p.reject(err);
    });
    this.socket = s;
    if (this.password !== undefined) {
      const auth = this.username !== undefined ? ['AUTH', this.username, this.password] : ['AUTH', this.password];
      this.send(s, auth).catch(() => {});
    }
    if (this.db !== 0) this.send(s, ['SELECT', String(this.db)]).catch(() => {});
    return s;
  }

  private send(s: Socket, args: string[]): Promise<Reply> {
    let out = `*${args.length}\r\n`;
    for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      s.write(out);
    });
  }

  command(args: string[]): Promise<Reply> {
    try {
      return this.send(this.connect(), args);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private onData(d: Buffer): void {
    this.buffer = this.buffer.length === 0 ? d : Buffer.concat([this.buffer, d]);
    for (;;) {
      const parsed = parse(this.buffer, 0);
      if (parsed === undefined) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const p = this.pending.shift();
      if (p === undefined) continue;
      if (parsed.error !== undefined) p.reject(new Error(parsed.error));
      else p.resolve(parsed.value);
    }
  }
}

interface Parsed {
  value: Reply;
  error?: string;
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
        items.push(p.value);
        pos = p.end;
      }
      return { value: items, end: pos };
    }
    default:
      return { value: null, error: `unexpected Redis reply type ${type}`, end: buf.length };
  }
}
