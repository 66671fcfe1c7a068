import { type ConfigSchema, endpointBlock } from '@foursignals/receiver-core';

/** The config block of one `postgresql/<name>` instance in receivers.yaml. */
export interface PostgresqlReceiverConfig {
  /**
   * The cluster, as a connection URL: `postgresql://user@host:port/dbname`. One connection per cluster; the
   * database in the URL is only where the connection lands (pg_stat_statements must be created there).
   */
  endpoint: string;
  /** Overrides the URL's password; write `${env:PG_PASSWORD}`. Never printed. */
  password?: string;
  /** Only these databases. @default every database that accepts connections, except templates */
  databases?: string[];
  /** Never these databases. @default [] */
  exclude_databases?: string[];
  /** How many statements per database get their own `postgresql.queryid` series (0: none). @default 5 */
  top_statements?: number;
}

export const DEFAULT_TOP_STATEMENTS = 5;

const databaseList = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  uniqueItems: true,
  'x-error': 'expected a list of database names',
};

export const CONFIG_SCHEMA: ConfigSchema = endpointBlock(
  '^postgres(ql)?://',
  'expected a URL like postgresql://user@127.0.0.1:5432/postgres',
  {
    password: { type: 'string' },
    databases: databaseList,
    exclude_databases: databaseList,
    top_statements: {
      type: 'integer',
      minimum: 0,
      maximum: 1000,
      'x-error': 'expected a whole number from 0 to 1000',
    },
  },
);
