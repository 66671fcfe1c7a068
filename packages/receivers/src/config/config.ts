import {
  type AnyReceiverFactory,
  DURATION_PATTERN,
  endpointBlock,
  parseDuration,
  type ReceiverFactory,
} from '@foursignals/receiver-core';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parseDocument } from 'yaml';
import { type ExpansionProblem, expandEnv } from './env.ts';

/** Keys of a receiver instance that the runtime owns; everything else is the receiver's own config. */
export interface InstanceSettings {
  /** How often the instance scrapes. @default 15s */
  collection_interval?: string;
  /** How long one scrape may take before it is abandoned and `receiver.up` is 0. @default the interval, at most 10s */
  timeout?: string;
  /** Per-metric switches: `metrics: { <metric name>: { enabled: false } }`. */
  metrics?: Record<string, { enabled: boolean }>;
}

export const DEFAULT_INTERVAL_MS = 15_000;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** One receiver instance, ready to start. */
export interface InstanceConfig {
  /** The key in receivers.yaml, e.g. `postgresql/shop`. */
  name: string;
  factory: AnyReceiverFactory;
  intervalMs: number;
  timeoutMs: number;
  /** Metric names switched on for this instance. */
  enabledMetrics: ReadonlySet<string>;
  /** The instance's config without the runtime's keys. */
  config: Record<string, unknown>;
}

export interface ExportConfig {
  otlp?: { url: string; intervalMs: number; timeoutMs: number; headers: Record<string, string> };
  prometheus?: { host: string; port: number };
  resource: Record<string, string>;
}

export interface RuntimeConfig {
  instances: InstanceConfig[];
  export: ExportConfig;
}

/** Every problem of a config file, each as `path: message`. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the config:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

const DURATION = { type: 'string', format: 'duration' };
const RUNTIME_KEYS = ['collection_interval', 'timeout', 'metrics'] as const;

const TOP_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['receivers', 'exporters'],
  properties: {
    receivers: { type: 'object', minProperties: 1, 'x-error': 'expected a map of type/name to receiver config' },
    exporters: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      'x-error': 'expected otlphttp, prometheus or both',
      properties: {
        otlphttp: endpointBlock('^https?://', 'expected a URL like http://127.0.0.1:4318 (/v1/metrics is added)', {
          interval: DURATION,
          timeout: DURATION,
          headers: { type: 'object', additionalProperties: { type: 'string' } },
        }),
        prometheus: endpointBlock('^[^:/]+:[0-9]{1,5}$', 'expected host:port like 127.0.0.1:9464'),
      },
    },
    resource: {
      type: 'object',
      additionalProperties: { type: 'string' },
      'x-error': 'expected a map of resource attribute names to strings',
    },
  },
};

function instanceSchema(factory: ReceiverFactory): Record<string, unknown> {
  const own = factory.configSchema as { properties?: Record<string, unknown> };
  const metricNames = Object.values(factory.metrics).map((m) => m.name);
  const switches = Object.fromEntries(
    metricNames.map((name) => [
      name,
      {
        type: 'object',
        additionalProperties: false,
        required: ['enabled'],
        properties: { enabled: { type: 'boolean' } },
        'x-error': 'expected { enabled: true|false }',
      },
    ]),
  );
  return {
    ...factory.configSchema,
    type: 'object',
    properties: {
      ...own.properties,
      collection_interval: DURATION,
      timeout: DURATION,
      metrics: { type: 'object', additionalProperties: false, properties: switches },
    },
  };
}

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'x-error', schemaType: 'string' });
  ajv.addFormat('duration', new RegExp(DURATION_PATTERN));
  return ajv;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function describe(error: ErrorObject, metricNames: readonly string[]): { extra?: string; message: string } {
  const custom = (error.parentSchema as { 'x-error'?: string } | undefined)?.['x-error'];
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { extra: String(params['missingProperty']), message: 'required' };
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      if (error.instancePath.endsWith('/metrics')) {
        return { extra: key, message: `unknown metric (known: ${metricNames.join(', ')})` };
      }
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return { extra: key, message: `unknown key (known: ${known.join(', ')})` };
    }
    case 'format':
      if (params['format'] === 'duration') return { message: 'expected a duration like 15s' };
      break;
    case 'type':
      return { message: custom ?? `expected ${params['type'] === 'object' ? 'a map' : `a ${params['type']}`}` };
  }
  return { message: custom ?? error.message ?? error.keyword };
}

function formatPath(path: readonly string[]): string {
  return path.length === 0 ? '(top level)' : path.join('.');
}

/**
 * Parses and validates a receivers.yaml text: YAML, `${env:VAR}` expansion, the runtime's schema and each
 * receiver type's schema. Throws one ConfigError listing every problem with its path; starts nothing.
 */
export function parseConfig(text: string, factories: readonly AnyReceiverFactory[], env = process.env): RuntimeConfig {
  const problems: string[] = [];
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  const expansion: ExpansionProblem[] = [];
  const raw = expandEnv(document.toJS(), env, expansion);
  for (const p of expansion) problems.push(`${formatPath(p.path)}: ${p.message}`);

  const ajv = newAjv();
  const add = (
    errors: ErrorObject[] | null | undefined,
    prefix: string[],
    metricNames: readonly string[] = [],
  ): void => {
    for (const error of errors ?? []) {
      const { extra, message } = describe(error, metricNames);
      const path = [...prefix, ...pointerToPath(error.instancePath), ...(extra === undefined ? [] : [extra])];
      const line = `${formatPath(path)}: ${message}`;
      if (!problems.includes(line)) problems.push(line);
    }
  };
  const validateTop = ajv.compile(TOP_SCHEMA);
  if (!validateTop(raw)) add(validateTop.errors, []);

  const byType = new Map(factories.map((f) => [f.type, f]));
  const validators = new Map<string, ValidateFunction>();
  const instances: InstanceConfig[] = [];
  const receivers = (raw as { receivers?: unknown })?.receivers;
  if (receivers !== null && typeof receivers === 'object' && !Array.isArray(receivers)) {
    for (const [name, block] of Object.entries(receivers)) {
      const path = ['receivers', name];
      const type = name.split('/')[0]!;
      const factory = byType.get(type);
      if (!/^[a-z0-9_]+(\/[A-Za-z0-9_.-]+)?$/.test(name)) {
        problems.push(`${formatPath(path)}: expected a key like type or type/name (letters, digits, _ . -)`);
        continue;
      }
      if (!factory) {
        problems.push(`${formatPath(path)}: unknown receiver type "${type}" (known: ${[...byType.keys()].join(', ')})`);
        continue;
      }
      let validate = validators.get(type);
      if (!validate) {
        validate = ajv.compile(instanceSchema(factory));
        validators.set(type, validate);
      }
      const metricNames = Object.values(factory.metrics).map((m) => m.name);
      const value = block ?? {};
      if (!validate(value)) {
        add(validate.errors, path, metricNames);
        continue;
      }
      const settings = value as InstanceSettings & Record<string, unknown>;
      const intervalMs = settings.collection_interval
        ? parseDuration(settings.collection_interval)
        : DEFAULT_INTERVAL_MS;
      const timeoutMs = settings.timeout ? parseDuration(settings.timeout) : Math.min(DEFAULT_TIMEOUT_MS, intervalMs);
      if (intervalMs < 1000) problems.push(`${formatPath([...path, 'collection_interval'])}: expected at least 1s`);
      if (timeoutMs <= 0) problems.push(`${formatPath([...path, 'timeout'])}: expected more than 0s`);
      if (timeoutMs > intervalMs) {
        problems.push(`${formatPath([...path, 'timeout'])}: must not be longer than collection_interval`);
      }
      const enabledMetrics = new Set(
        Object.values(factory.metrics)
          .filter((m) => settings.metrics?.[m.name]?.enabled ?? m.enabled)
          .map((m) => m.name),
      );
      const config = Object.fromEntries(
        Object.entries(settings).filter(([key]) => !(RUNTIME_KEYS as readonly string[]).includes(key)),
      );
      instances.push({ name, factory, intervalMs, timeoutMs, enabledMetrics, config });
    }
  }

  const exporters = (raw as { exporters?: Record<string, Record<string, unknown>> })?.exporters ?? {};
  const exportConfig: ExportConfig = {
    resource: { 'service.name': 'foursignals-receivers', ...(raw as { resource?: Record<string, string> })?.resource },
  };
  const otlp = exporters['otlphttp'];
  if (otlp && typeof otlp.endpoint === 'string') {
    const endpoint = otlp.endpoint.replace(/\/+$/, '');
    const intervalMs = typeof otlp['interval'] === 'string' ? safeDuration(otlp['interval']) : 15_000;
    const timeoutMs =
      typeof otlp['timeout'] === 'string' ? safeDuration(otlp['timeout']) : Math.min(10_000, intervalMs);
    exportConfig.otlp = {
      url: endpoint.endsWith('/v1/metrics') ? endpoint : `${endpoint}/v1/metrics`,
      intervalMs,
      timeoutMs,
      headers: (otlp['headers'] as Record<string, string>) ?? {},
    };
    if (timeoutMs > intervalMs) problems.push('exporters.otlphttp.timeout: must not be longer than interval');
  }
  const prom = exporters['prometheus'];
  if (prom && typeof prom.endpoint === 'string') {
    const [host, port] = prom.endpoint.split(':');
    if (Number(port) < 1 || Number(port) > 65535) problems.push('exporters.prometheus.endpoint: port out of range');
    exportConfig.prometheus = { host: host!, port: Number(port) };
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { instances, export: exportConfig };
}

function safeDuration(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return 0;
  }
}
