// Every environment variable the bootstrap reads is read here, once, at start-up. Order of precedence, highest first:
//   1. options passed to `start()` in code (the `register` entry passes none),
//   2. the signal-specific variable (OTEL_EXPORTER_OTLP_METRICS_*),
//   3. the generic variable (OTEL_EXPORTER_OTLP_*),
//   4. the defaults below.
// A value that does not parse is logged once and ignored (the next level applies); nothing here throws.

import type { ResourceDetector } from './export/resource.ts';
import { RESOURCE_DETECTORS } from './export/resource.ts';
import type { LogLevel } from './log.ts';
import { info, warnOnce } from './log.ts';

/** Instrumentations that OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS can name. */
export const INSTRUMENTATIONS = [
  'http',
  'express',
  'fastify',
  'koa',
  'hapi',
  'undici',
  'aws-sdk',
  'pg',
  'amqplib',
  'runtime',
] as const;
export type Instrumentation = (typeof INSTRUMENTATIONS)[number];

/**
 * The other names @opentelemetry/auto-instrumentations-node accepts in OTEL_NODE_*_INSTRUMENTATIONS, so a variable
 * shared with it is not reported as wrong (`runtime-node` is our `runtime`; NestJS is measured through express /
 * fastify).
 */
const AUTO_INSTRUMENTATIONS = new Set([
  'aws-lambda',
  'bunyan',
  'cassandra-driver',
  'connect',
  'cucumber',
  'dataloader',
  'dns',
  'fs',
  'generic-pool',
  'graphql',
  'grpc',
  'ioredis',
  'kafkajs',
  'knex',
  'lru-memoizer',
  'memcached',
  'mongodb',
  'mongoose',
  'mysql',
  'mysql2',
  'nestjs-core',
  'net',
  'openai',
  'oracledb',
  'pino',
  'redis',
  'restify',
  'router',
  'socket.io',
  'tedious',
  'winston',
]);

export type MetricsExporter = 'otlp' | 'prometheus' | 'console' | 'none';
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export type DauIdentity =
  | { kind: 'header'; header: string }
  | { kind: 'jwt'; claim: string }
  | { kind: 'hook'; module: string }
  | { kind: 'none' };

export interface Config {
  disabled: boolean;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  resourceDetectors: ResourceDetector[];
  /** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, for the OTLP exporter. */
  temporality: 'cumulative' | 'delta' | 'lowmemory';
  /** Every exporter to use; empty when OTEL_METRICS_EXPORTER=none. */
  exporters: MetricsExporter[];
  protocol: OtlpProtocol;
  endpoint: string;
  headers: Record<string, string>;
  /** PEM files for the built-in exporter's TLS (the SDK's exporters read the same variables themselves). */
  tls: { certificate?: string; clientKey?: string; clientCertificate?: string };
  compression: 'gzip' | 'none';
  timeoutMillis: number;
  exportIntervalMillis: number;
  exportTimeoutMillis: number;
  prometheusHost: string;
  prometheusPort: number;
  instrumentations: Set<Instrumentation>;
  logLevel: LogLevel;
  httpMaxSeries: number;
  dauIdentity: DauIdentity;
  dauSalt: string;
  dauRedisUrl: string | undefined;
  dauRedisKeyPrefix: string;
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function int(env: Env, name: string, min: number, max: number): number | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    warnOnce(`env:${name}`, `ignoring ${name}=${JSON.stringify(v)}: expected an integer in [${min}, ${max}]`);
    return undefined;
  }
  return n;
}

function bool(env: Env, name: string): boolean | undefined {
  const v = str(env, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  warnOnce(`env:${name}`, `ignoring ${name}=${JSON.stringify(v)}: expected true or false`);
  return undefined;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const v = str(env, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  warnOnce(`env:${name}`, `ignoring ${name}=${JSON.stringify(v)}: expected one of ${allowed.join(', ')}`);
  return undefined;
}

/** `k1=v1,k2=v2` with percent-encoded values (W3C baggage style), as OTEL_RESOURCE_ATTRIBUTES and *_HEADERS use. */
export function parseKeyValues(env: Env, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  const v = str(env, name);
  if (v === undefined) return out;
  for (const part of v.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (key === '') {
      warnOnce(`env:${name}:${part}`, `ignoring ${JSON.stringify(part)} in ${name}: expected key=value`);
      continue;
    }
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      warnOnce(`env:${name}:${key}`, `${name}: the value of ${key} is not valid percent-encoding; used as is`);
    }
    out[key] = value;
  }
  return out;
}

function url(env: Env, name: string): string | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    return v;
  } catch {
    warnOnce(`env:${name}`, `ignoring ${name}=${JSON.stringify(v)}: expected an http(s) URL`);
    return undefined;
  }
}

/** OTEL_METRICS_EXPORTER: a comma list (`otlp,prometheus`); `none` alone turns export off (an empty list). */
function exporterList(env: Env): MetricsExporter[] {
  const v = str(env, 'OTEL_METRICS_EXPORTER');
  if (v === undefined) return ['otlp'];
  const allowed: MetricsExporter[] = ['otlp', 'prometheus', 'console', 'none'];
  const out = new Set<MetricsExporter>();
  for (const raw of v.split(',')) {
    const n = raw.trim().toLowerCase();
    if (n === '') continue;
    if ((allowed as string[]).includes(n)) out.add(n as MetricsExporter);
    else
      warnOnce(
        `env:OTEL_METRICS_EXPORTER:${n}`,
        `OTEL_METRICS_EXPORTER: unknown exporter ${JSON.stringify(n)} ignored`,
      );
  }
  if (out.has('none')) {
    if (out.size > 1)
      warnOnce('env:OTEL_METRICS_EXPORTER:none', 'OTEL_METRICS_EXPORTER lists none: nothing is exported');
    return [];
  }
  if (out.size === 0) {
    warnOnce(
      'env:OTEL_METRICS_EXPORTER',
      `no valid exporter in OTEL_METRICS_EXPORTER=${JSON.stringify(v)}; using otlp`,
    );
    return ['otlp'];
  }
  return [...out];
}

function instrumentationList(env: Env, name: string): Set<Instrumentation> | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  const out = new Set<Instrumentation>();
  for (const raw of v.split(',')) {
    // Accept the auto-instrumentations-node spelling too: `@opentelemetry/instrumentation-http` or just `http`.
    const given = raw.trim().replace(/^@opentelemetry\/instrumentation-/, '');
    const n = given === 'runtime-node' ? 'runtime' : given;
    if (n === '') continue;
    if ((INSTRUMENTATIONS as readonly string[]).includes(n)) out.add(n as Instrumentation);
    else if (AUTO_INSTRUMENTATIONS.has(n))
      info(`${name}: ${n} is an auto-instrumentations-node name with no metrics of its own here; ignored`);
    else
      warnOnce(
        `env:${name}:${n}`,
        `${name}: unknown instrumentation ${JSON.stringify(n)} ignored (known: ${INSTRUMENTATIONS.join(', ')})`,
      );
  }
  return out;
}

/** OTEL_NODE_RESOURCE_DETECTORS: a comma list of detector names, `all` (the default) or `none`. */
function resourceDetectors(env: Env): ResourceDetector[] {
  const v = str(env, 'OTEL_NODE_RESOURCE_DETECTORS');
  if (v === undefined) return [...RESOURCE_DETECTORS];
  const out = new Set<ResourceDetector>();
  for (const raw of v.split(',')) {
    const n = raw.trim().toLowerCase();
    if (n === '' || n === 'none') continue;
    if (n === 'all') for (const d of RESOURCE_DETECTORS) out.add(d);
    else if ((RESOURCE_DETECTORS as readonly string[]).includes(n)) out.add(n as ResourceDetector);
    else
      warnOnce(
        `env:OTEL_NODE_RESOURCE_DETECTORS:${n}`,
        `OTEL_NODE_RESOURCE_DETECTORS: unknown detector ${JSON.stringify(n)} ignored (known: ${RESOURCE_DETECTORS.join(', ')}, all, none)`,
      );
  }
  return [...out];
}

function dauIdentity(env: Env): DauIdentity {
  const v = str(env, 'FOURSIGNALS_DAU_IDENTITY');
  if (v === undefined) return { kind: 'none' };
  const colon = v.indexOf(':');
  const kind = (colon < 0 ? v : v.slice(0, colon)).toLowerCase();
  const arg = colon < 0 ? '' : v.slice(colon + 1).trim();
  if (kind === 'header' && arg !== '') return { kind: 'header', header: arg.toLowerCase() };
  if (kind === 'jwt') return { kind: 'jwt', claim: arg === '' ? 'sub' : arg };
  if (kind === 'hook' && arg !== '') return { kind: 'hook', module: arg };
  warnOnce(
    'env:FOURSIGNALS_DAU_IDENTITY',
    `ignoring FOURSIGNALS_DAU_IDENTITY=${JSON.stringify(v)}: expected header:<name>, jwt[:<claim>] or hook:<module path>`,
  );
  return { kind: 'none' };
}

const LOG_LEVELS: Record<string, LogLevel> = {
  none: 'none',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  verbose: 'debug',
  all: 'debug',
};

export function readConfig(env: Env = process.env): Config {
  const logName = str(env, 'OTEL_LOG_LEVEL')?.toLowerCase();
  let logLevel: LogLevel = 'warn';
  if (logName !== undefined) {
    const l = LOG_LEVELS[logName];
    if (l === undefined) warnOnce('env:OTEL_LOG_LEVEL', `ignoring OTEL_LOG_LEVEL=${JSON.stringify(logName)}`);
    else logLevel = l;
  }

  const resourceAttributes = parseKeyValues(env, 'OTEL_RESOURCE_ATTRIBUTES');
  const serviceName = str(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'unknown_service:node';

  const protocol =
    oneOf<OtlpProtocol>(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', ['http/protobuf', 'http/json', 'grpc']) ??
    oneOf<OtlpProtocol>(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json', 'grpc']) ??
    'http/protobuf';

  let endpoint = url(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  if (endpoint === undefined) {
    const base = url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    if (base !== undefined) endpoint = protocol === 'grpc' ? base : base.replace(/\/+$/, '') + '/v1/metrics';
  }
  endpoint ??= protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318/v1/metrics';

  const temporality = oneOf<'cumulative' | 'delta' | 'lowmemory'>(
    env,
    'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
    ['cumulative', 'delta', 'lowmemory'],
  );

  const traces = str(env, 'OTEL_TRACES_EXPORTER');
  if (traces !== undefined && traces.toLowerCase() !== 'none') {
    warnOnce(
      'env:OTEL_TRACES_EXPORTER',
      'OTEL_TRACES_EXPORTER is set but this bootstrap exports metrics only; add --require @opentelemetry/auto-instrumentations-node/register for traces',
    );
  }

  const enabled = instrumentationList(env, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS') ?? new Set(INSTRUMENTATIONS);
  const disabled = instrumentationList(env, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS');
  if (disabled) for (const d of disabled) enabled.delete(d);

  return {
    disabled: bool(env, 'OTEL_SDK_DISABLED') ?? false,
    serviceName,
    resourceAttributes,
    resourceDetectors: resourceDetectors(env),
    exporters: exporterList(env),
    temporality: temporality ?? 'cumulative',
    protocol,
    endpoint,
    headers: {
      ...parseKeyValues(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...parseKeyValues(env, 'OTEL_EXPORTER_OTLP_METRICS_HEADERS'),
    },
    tls: {
      certificate: str(env, 'OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE') ?? str(env, 'OTEL_EXPORTER_OTLP_CERTIFICATE'),
      clientKey: str(env, 'OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY') ?? str(env, 'OTEL_EXPORTER_OTLP_CLIENT_KEY'),
      clientCertificate:
        str(env, 'OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE') ?? str(env, 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE'),
    },
    compression:
      oneOf<'gzip' | 'none'>(env, 'OTEL_EXPORTER_OTLP_METRICS_COMPRESSION', ['gzip', 'none']) ??
      oneOf<'gzip' | 'none'>(env, 'OTEL_EXPORTER_OTLP_COMPRESSION', ['gzip', 'none']) ??
      'none',
    timeoutMillis:
      int(env, 'OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', 1, 600_000) ??
      int(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 1, 600_000) ??
      10_000,
    exportIntervalMillis: int(env, 'OTEL_METRIC_EXPORT_INTERVAL', 100, 86_400_000) ?? 60_000,
    exportTimeoutMillis: int(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 1, 600_000) ?? 30_000,
    prometheusHost: str(env, 'OTEL_EXPORTER_PROMETHEUS_HOST') ?? '0.0.0.0',
    prometheusPort: int(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', 0, 65535) ?? 9464,
    instrumentations: enabled,
    logLevel,
    httpMaxSeries: int(env, 'FOURSIGNALS_HTTP_MAX_SERIES', 1, 1_000_000) ?? 2000,
    dauIdentity: dauIdentity(env),
    dauSalt: str(env, 'FOURSIGNALS_DAU_SALT') ?? `foursignals:${serviceName}`,
    dauRedisUrl: str(env, 'FOURSIGNALS_DAU_REDIS_URL'),
    dauRedisKeyPrefix: str(env, 'FOURSIGNALS_DAU_REDIS_KEY_PREFIX') ?? 'foursignals:dau:',
  };
}
