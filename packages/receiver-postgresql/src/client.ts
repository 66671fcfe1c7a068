// The client seam: every read the scraper makes of a cluster, one method per statistics view (as collector-contrib's
// postgresqlreceiver has client.go). The real implementation is one pg connection; unit tests replay rows recorded
// from a real cluster (testdata/, re-recorded by scripts/record-fixtures.ts).
import pg from 'pg';
import { ACTIVITY_SQL, databaseSql, SETTINGS_SQL, STATEMENTS_INFO_SQL, statementsSql } from './sql.ts';

/** What a receiver connection calls itself in pg_stat_activity.application_name. */
export const APPLICATION_NAME = 'foursignals-receiver';

export type Row = Record<string, unknown>;

export interface PostgresqlClient {
  /** server_version_num, read once at connect. */
  serverVersion(): Promise<number>;
  /** max_connections, the role, whether it may read every session, the database it landed in. */
  settings(): Promise<Row[]>;
  /** pg_stat_database of every database that accepts connections. */
  databaseStats(): Promise<Row[]>;
  /** Client connections by database and state, lock waiters, the oldest open transaction. */
  activity(): Promise<Row[]>;
  /** pg_stat_statements_info (PostgreSQL 14+). */
  statementsInfo(): Promise<Row[]>;
  /** pg_stat_statements summed per database, plus each database's top `top` statements by time. */
  statements(top: number): Promise<Row[]>;
  /** Ends the connection, aborting a query in flight. */
  close(): Promise<void>;
}

/** Opens a client; rejects when the cluster cannot be reached. `onLost` is called when the connection breaks. */
export type PostgresqlConnect = (signal: AbortSignal, onLost: () => void) => Promise<PostgresqlClient>;

/** The real client: one pg connection to `connectionString`. */
export function pgConnect(connectionString: string): PostgresqlConnect {
  return async (signal, onLost) => {
    const client = new pg.Client({
      connectionString,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: 30_000,
    });
    const end = (): Promise<void> => client.end().catch(() => {});
    client.on('error', () => {
      onLost();
      void end();
    });
    const abort = (): void => void end();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await client.connect();
    } catch (error) {
      void end();
      throw error;
    } finally {
      signal.removeEventListener('abort', abort);
    }
    const rows = async (text: string, values?: unknown[]): Promise<Row[]> => (await client.query(text, values)).rows;
    let version: number | undefined;
    const serverVersion = async (): Promise<number> => {
      version ??= Number((await rows("SELECT current_setting('server_version_num')::int AS v"))[0]?.['v'] ?? 0);
      return version;
    };
    return {
      serverVersion,
      settings: () => rows(SETTINGS_SQL),
      databaseStats: async () => rows(databaseSql(await serverVersion())),
      activity: () => rows(ACTIVITY_SQL),
      statementsInfo: () => rows(STATEMENTS_INFO_SQL),
      statements: async (top) => rows(statementsSql(await serverVersion()), [top]),
      close: end,
    };
  };
}
