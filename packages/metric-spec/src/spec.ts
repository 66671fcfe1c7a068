// The shape of one metric declaration. Every emitter (otel-bootstrap, the receivers, the demo's business metrics)
// writes its metrics once, in a table of this shape; instruments, docs, dashboards, rules, the signals view and the
// tests read names, units and attributes from those tables and never spell them again.

/** How a metric is recorded; `histogram` series get `_bucket`, `_sum` and `_count` in Prometheus. */
export type Instrument = 'counter' | 'gauge' | 'updowncounter' | 'histogram';

export interface AttributeSpec {
  description: string;
  /** Closed set of allowed values, when there is one (typed selectors accept only these; listed in the docs). */
  values?: readonly string[];
}

/**
 * Where the name comes from: the semantic conventions, or the collector-contrib receiver that measures the same
 * thing. Metrics without one are ours, named `<system>.<entity>.<measure>`.
 */
export interface Upstream {
  /** Who names it, e.g. `semconv (stable)` or `contrib postgresqlreceiver`. */
  from: string;
  /** Their name, only when it differs from ours. */
  name?: string;
  /** What differs (attributes, unit, scope) or why the name does; absent when it is the same. */
  note?: string;
}

/** One metric, declared once. */
export interface MetricSpec {
  /** Dotted OpenTelemetry name, e.g. `http.server.request.duration`. */
  name: string;
  instrument: Instrument;
  /** UCUM unit: `s`, `By`, `1`, `{request}`, ... */
  unit: string;
  description: string;
  /** Attribute name -> spec; `{}` when the metric has none. */
  attributes: Readonly<Record<string, AttributeSpec>>;
  upstream?: Upstream;
}

/** An emitter's metric table, keyed by the constant name used in code (`METRICS.commits`). */
export type MetricTable<S extends MetricSpec = MetricSpec> = Readonly<Record<string, S>>;

/** The attribute names a metric declares. */
export type AttributeOf<M extends MetricSpec> = keyof M['attributes'] & string;

/** The values an attribute may take: its closed set when it has one, else any string. */
export type ValueOf<M extends MetricSpec, K extends AttributeOf<M>> = M['attributes'][K] extends {
  values: readonly (infer V extends string)[];
}
  ? V
  : string;

/** The attributes of one point of the metric: every attribute it declares, each with an allowed value. */
export type AttributesOf<M extends MetricSpec> = { readonly [K in AttributeOf<M>]: ValueOf<M, K> };
