import type { AttributesOf } from '@foursignals/metric-spec';
import {
  ClampedCounters,
  CumulativeCounters,
  type MetricSpec,
  type Observation,
  type Receiver,
  type ScrapeContext,
  targetOf,
} from '@foursignals/receiver-core';
import { type PostgresqlClient, type PostgresqlConnect, pgConnect, type Row } from './client.ts';
import { DEFAULT_TOP_STATEMENTS, type PostgresqlReceiverConfig } from './config.ts';
import {
  ATTR_CONNECTION_STATE,
  ATTR_DB_NAMESPACE,
  ATTR_DB_QUERY_ID,
  ATTR_ERROR_TYPE,
  CONNECTION_STATES,
  ERROR_TYPES,
  METRICS,
} from './metrics.ts';

const ERROR_COLUMNS: Readonly<Record<(typeof ERROR_TYPES)[number], string>> = {
  conflict: 'conflicts',
  session_fatal: 'sessions_fatal',
  session_killed: 'sessions_killed',
  session_abandoned: 'sessions_abandoned',
  checksum_failure: 'checksum_failures',
};

/** Thrown for what makes the whole target unreachable (receiver.up = 0), as opposed to one view failing. */
class TargetDown extends Error {}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // No SQLSTATE: a socket error. 08xxx: connection exception. 57P0x: the server is shutting down / we were killed.
  return (
    typeof code !== 'string' || /^(08|57P0)/.test(code) || code === '28P01' || code === '28000' || code === '3D000'
  );
}

function stateName(state: string): string {
  return state.replaceAll(' (aborted)', '_aborted').replaceAll(' ', '_');
}

/** The connection URL with the config's password in it (the URL alone when there is none). */
function connectionString(config: PostgresqlReceiverConfig): string {
  if (config.password === undefined) return config.endpoint;
  const url = new URL(config.endpoint);
  url.password = encodeURIComponent(config.password);
  return url.toString();
}

export class PostgresqlReceiver implements Receiver {
  readonly target: string;
  readonly #config: PostgresqlReceiverConfig;
  readonly #open: PostgresqlConnect;
  #client: PostgresqlClient | undefined;
  #serverVersion = 0;
  readonly #counters = new CumulativeCounters();
  /** Per-database pg_stat_statements sums: a drop without a new epoch is eviction, clamped (see below). */
  readonly #sums = new ClampedCounters();
  /** Blocks (hit, read) at the previous scrape per database, for the interval hit ratio. */
  readonly #lastBlocks = new Map<string, { hit: number; read: number }>();

  /** `connect` is the client seam: the real pg connection unless a test passes recorded answers. */
  constructor(_name: string, config: PostgresqlReceiverConfig, connect?: PostgresqlConnect) {
    this.#config = config;
    this.target = targetOf(config.endpoint, 5432);
    this.#open = connect ?? pgConnect(connectionString(config));
  }

  async #connect(signal: AbortSignal): Promise<PostgresqlClient> {
    if (this.#client) return this.#client;
    let client: PostgresqlClient;
    try {
      client = await this.#open(signal, () => {
        if (this.#client === client) this.#client = undefined;
      });
    } catch (error) {
      throw new TargetDown(`cannot connect to ${this.target}: ${(error as Error).message}`);
    }
    this.#serverVersion = await client.serverVersion();
    this.#client = client;
    return client;
  }

  #drop(client: PostgresqlClient): void {
    if (this.#client === client) this.#client = undefined;
    client.close().catch(() => {});
  }

  #included(database: string): boolean {
    if (this.#config.databases && !this.#config.databases.includes(database)) return false;
    return !this.#config.exclude_databases?.includes(database);
  }

  async scrape(ctx: ScrapeContext): Promise<Observation[]> {
    const client = await this.#connect(ctx.signal);
    const abort = (): void => this.#drop(client);
    ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      return await this.#scrape(client, ctx);
    } finally {
      ctx.signal.removeEventListener('abort', abort);
    }
  }

  /** Runs one view's query; a failure of the view is a warning, a failure of the connection is TargetDown. */
  async #query(
    client: PostgresqlClient,
    ctx: ScrapeContext,
    read: (client: PostgresqlClient) => Promise<Row[]>,
    explain: (error: Error) => string,
  ): Promise<Row[] | undefined> {
    try {
      return await read(client);
    } catch (error) {
      if (ctx.signal.aborted || isConnectionError(error)) {
        this.#drop(client);
        throw new TargetDown(`lost the connection to ${this.target}: ${(error as Error).message}`);
      }
      ctx.warn(explain(error as Error));
      return undefined;
    }
  }

  async #scrape(client: PostgresqlClient, ctx: ScrapeContext): Promise<Observation[]> {
    const out: Observation[] = [];
    // typed by the table: an attribute the metric does not declare, or a value outside its set, does not compile
    const push = <M extends MetricSpec>(metric: M, value: number, attributes: AttributesOf<M>): void => {
      out.push({ metric: metric.name, value, attributes });
    };

    const settings = (
      await this.#query(
        client,
        ctx,
        (c) => c.settings(),
        (e) => `cannot read max_connections: ${e.message}`,
      )
    )?.[0];
    if (settings) {
      push(METRICS.connectionMax, Number(settings['max_connections']), {});
      if (settings['read_all_stats'] !== true) {
        ctx.warn(
          `role "${settings['role']}" cannot see other roles' sessions and statements ` +
            `(connections by state and statements are undercounted); run as a superuser: GRANT pg_monitor TO "${settings['role']}";`,
        );
      }
    }

    // pg_stat_database: transactions, errors, blocks.
    const datnames = new Map<string, string>();
    const dbRows = await this.#query(
      client,
      ctx,
      (c) => c.databaseStats(),
      (e) => `cannot read pg_stat_database: ${e.message}`,
    );
    for (const row of dbRows ?? []) {
      const db = String(row['datname']);
      datnames.set(String(row['datid']), db);
      if (!this.#included(db)) continue;
      const epoch = String(row['stats_reset']);
      const attrs = { [ATTR_DB_NAMESPACE]: db };
      const count = (key: string, column: string): number =>
        this.#counters.update(`${key}:${db}`, Number(row[column]), epoch);
      push(METRICS.commits, count('commit', 'xact_commit'), attrs);
      push(METRICS.rollbacks, count('rollback', 'xact_rollback'), attrs);
      push(METRICS.deadlocks, count('error.deadlock', 'deadlocks'), attrs);
      for (const type of ERROR_TYPES) {
        push(METRICS.errors, count(`error.${type}`, ERROR_COLUMNS[type]), { ...attrs, [ATTR_ERROR_TYPE]: type });
      }
      const hit = count('blocks.hit', 'blks_hit');
      const read = count('blocks.read', 'blks_read');
      push(METRICS.blksHit, hit, attrs);
      push(METRICS.blksRead, read, attrs);
      const last = this.#lastBlocks.get(db);
      const dHit = last ? hit - last.hit : hit;
      const dRead = last ? read - last.read : read;
      push(METRICS.cacheHitRatio, dHit + dRead > 0 ? dHit / (dHit + dRead) : 1, attrs);
      this.#lastBlocks.set(db, { hit, read });
    }

    // pg_stat_activity: connections by state, lock waiters, oldest transaction. Every state of every database is
    // reported (0 when empty) so that a gauge falls back to 0 instead of keeping its last value.
    const activity = await this.#query(
      client,
      ctx,
      (c) => c.activity(),
      (e) => `cannot read pg_stat_activity: ${e.message}`,
    );
    if (activity) {
      const perDb = new Map<string, { states: Map<string, number>; waiting: number; longest: number }>();
      for (const db of datnames.values()) {
        if (this.#included(db)) perDb.set(db, { states: new Map(), waiting: 0, longest: 0 });
      }
      for (const row of activity) {
        const entry = perDb.get(String(row['datname']));
        if (!entry) continue;
        if (row['state'] !== null) {
          const state = stateName(String(row['state']));
          entry.states.set(state, (entry.states.get(state) ?? 0) + Number(row['connections']));
        }
        entry.waiting += Number(row['waiting']);
        entry.longest = Math.max(entry.longest, Number(row['longest']));
      }
      for (const [db, entry] of perDb) {
        const attrs = { [ATTR_DB_NAMESPACE]: db };
        for (const state of CONNECTION_STATES) {
          push(METRICS.backends, entry.states.get(state) ?? 0, { ...attrs, [ATTR_CONNECTION_STATE]: state });
        }
        push(METRICS.locksWaiting, entry.waiting, attrs);
        push(METRICS.longestTransaction, entry.longest, attrs);
      }
    }

    await this.#scrapeStatements(client, ctx, datnames, settings, push);
    return out;
  }

  async #scrapeStatements(
    client: PostgresqlClient,
    ctx: ScrapeContext,
    datnames: Map<string, string>,
    settings: Row | undefined,
    push: <M extends MetricSpec>(metric: M, value: number, attributes: AttributesOf<M>) => void,
  ): Promise<void> {
    const where = `database "${settings?.['database'] ?? '?'}" of ${this.target}`;
    const explain = (e: Error): string => {
      const code = (e as { code?: string }).code;
      if (code === '42P01' || code === '42883') {
        return (
          `pg_stat_statements is not installed in ${where}, so ${METRICS.queryCalls.name} and ` +
          `${METRICS.queryTime.name} are missing; run in that database as a superuser: CREATE EXTENSION IF NOT EXISTS pg_stat_statements;`
        );
      }
      if (code === '55000') {
        return (
          `pg_stat_statements is not loaded on ${this.target}, so ${METRICS.queryCalls.name} and ` +
          `${METRICS.queryTime.name} are missing; run as a superuser: ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; ` +
          `then restart PostgreSQL`
        );
      }
      if (code === '42501') {
        return `${e.message}; run as a superuser: GRANT pg_monitor TO "${settings?.['role'] ?? 'the receiver role'}";`;
      }
      return `cannot read pg_stat_statements: ${e.message}`;
    };

    let epoch: string | undefined;
    if (this.#serverVersion >= 140000) {
      const info = (await this.#query(client, ctx, (c) => c.statementsInfo(), explain))?.[0];
      if (!info) return;
      epoch = String(info['stats_reset']);
      push(METRICS.queryDeallocations, this.#counters.update('evicted', Number(info['dealloc']), epoch), {});
    }
    const topN = this.#config.top_statements ?? DEFAULT_TOP_STATEMENTS;
    const rows = await this.#query(client, ctx, (c) => c.statements(topN), explain);
    if (!rows) return;

    // Per-database sums. A full reset changes the epoch (the delta is then the new sum). Eviction or a partial
    // reset makes a sum drop: the delta is clamped at 0, so a total never goes down and never jumps (it may miss
    // the calls of the evicted entries; METRICS.queryDeallocations says when that happens).
    const sums = new Map<string, { calls: number; time: number }>();
    const top: { dbid: string; queryid: string; calls: number; time: number }[] = [];
    for (const row of rows) {
      const dbid = String(row['dbid']);
      const reading = { calls: Number(row['calls']), time: Number(row['time']) / 1000 };
      if (row['queryid'] === null) sums.set(dbid, reading);
      else top.push({ dbid, queryid: String(row['queryid']), ...reading });
    }
    for (const [dbid, db] of datnames) {
      if (!this.#included(db)) continue;
      const sum = sums.get(dbid) ?? { calls: 0, time: 0 };
      const attrs = { [ATTR_DB_NAMESPACE]: db };
      push(METRICS.queryCalls, this.#sums.update(`statements:${dbid}`, sum.calls, epoch), attrs);
      push(METRICS.queryTime, this.#sums.update(`statement.time:${dbid}`, sum.time, epoch), attrs);
    }
    for (const entry of top) {
      const db = datnames.get(entry.dbid);
      if (db === undefined || !this.#included(db)) continue;
      const attrs = { [ATTR_DB_NAMESPACE]: db, [ATTR_DB_QUERY_ID]: entry.queryid };
      const key = `${entry.dbid}:${entry.queryid}`;
      push(METRICS.topQueryTime, this.#sums.update(`top.time:${key}`, entry.time, epoch), attrs);
      push(METRICS.topQueryCalls, this.#sums.update(`top.calls:${key}`, entry.calls, epoch), attrs);
    }
  }

  async shutdown(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.close().catch(() => {});
  }
}

export { TargetDown };
