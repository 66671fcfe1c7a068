// The contract between the receivers runtime (packages/receivers) and each receiver package
// (packages/receiver-postgresql, -rabbitmq, -s3). A receiver declares its metrics once in a MetricTable and
// returns plain observations from each scrape; the runtime owns instruments, scheduling, timeouts, health
// (receiver.up, receiver.scrape.duration), config validation and export.

import type { AttributeSpec, MetricSpec as BaseMetricSpec } from '@foursignals/metric-spec';

export type { AttributeSpec };

/** How a metric is recorded. `counter` values are cumulative totals (monotonic); `gauge` values are snapshots. */
export type InstrumentKind = 'counter' | 'gauge' | 'updowncounter';

/** One metric, declared once (the shape every emitter uses, see @foursignals/metric-spec), plus its switch. */
export interface MetricSpec extends BaseMetricSpec {
  instrument: InstrumentKind;
  /** On unless the config switches it off. @default true */
  enabled: boolean;
}

/** A receiver's metric table, keyed by a constant name used in code (`METRICS.transactions`). */
export type MetricTable = Readonly<Record<string, MetricSpec>>;

export type AttributeValue = string | number | boolean;

/** One data point produced by a scrape. `metric` is a MetricSpec.name from the receiver's table. */
export interface Observation {
  metric: string;
  attributes: Readonly<Record<string, AttributeValue>>;
  value: number;
}

export interface ScrapeContext {
  /** Aborted when the instance's scrape timeout passes; pass it to every I/O call. */
  signal: AbortSignal;
  /** Log once-per-problem, rate-limited; never throw for a partial failure. */
  warn(message: string): void;
}

/** One configured instance, e.g. `postgresql/shop`. */
export interface Receiver {
  /** Human-readable target for `receiver.target` (host:port, URL without credentials). */
  readonly target: string;
  /** Returns every point it could read. Throws only when the target as a whole is unreachable (receiver.up = 0). */
  scrape(ctx: ScrapeContext): Promise<Observation[]>;
  shutdown(): Promise<void>;
}

/** A JSON Schema (draft 2020-12, validated with ajv) for one receiver type's config block. */
export type ConfigSchema = Readonly<Record<string, unknown>>;

export interface ReceiverFactory<Config = unknown> {
  /** The type part of `type/name` keys in receivers.yaml, e.g. `postgresql`. */
  readonly type: string;
  readonly metrics: MetricTable;
  readonly configSchema: ConfigSchema;
  /** `name` is the full instance key (`postgresql/shop`); `config` has passed the schema. */
  create(name: string, config: Config): Receiver;
}

/** A factory of any config type: what the runtime's registry holds (each config is checked by its own schema). */
// biome-ignore lint/suspicious/noExplicitAny: the config type differs per receiver; the schema checks it.
export type AnyReceiverFactory = ReceiverFactory<any>;
