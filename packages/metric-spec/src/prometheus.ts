// OpenTelemetry -> Prometheus names, as our collector's Prometheus remote-write exporter writes them (the
// prometheus/otlptranslator rules with metric suffixes on, which is the exporter's default): the name is split into
// tokens on characters outside [A-Za-z0-9_:], the unit becomes a suffix (`s` -> `seconds`, `By` -> `bytes`,
// `{request}` -> nothing, `1/s` -> `per_second`), monotonic sums get `total`, gauges with unit `1` get `ratio`;
// attribute names have every character outside [A-Za-z0-9_] replaced by `_` (`db.namespace` -> `db_namespace`).

import type { AttributeOf, MetricSpec, ValueOf } from './spec.ts';

/** The part of a metric declaration that decides its Prometheus name. */
export type MetricName = Pick<MetricSpec, 'name' | 'instrument' | 'unit'>;

const MAIN_UNITS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNITS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

function cleanUnit(unit: string): string {
  return unit
    .replace(/[^A-Za-z0-9_:]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

function unitTokens(unit: string): string[] {
  const withoutAnnotations = unit.replace(/\{[^}]*\}/g, '').trim();
  if (withoutAnnotations === '') return [];
  const [main = '', per = ''] = withoutAnnotations.split('/', 2).map((s) => s.trim());
  const tokens: string[] = [];
  const mainSuffix = cleanUnit(MAIN_UNITS[main] ?? main);
  if (mainSuffix !== '') tokens.push(mainSuffix);
  const perSuffix = cleanUnit(PER_UNITS[per] ?? per);
  if (perSuffix !== '') tokens.push(`per_${perSuffix}`);
  return tokens;
}

/** The Prometheus name of a metric, without the `_bucket`/`_sum`/`_count` of histograms. */
export function promName(metric: MetricName): string {
  let tokens = metric.name.split(/[^A-Za-z0-9_:]+/).filter((t) => t !== '');
  for (const suffix of unitTokens(metric.unit)) {
    if (!tokens.includes(suffix)) tokens.push(suffix);
  }
  if (metric.instrument === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (metric.unit === '1' && metric.instrument === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  const name = tokens.join('_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The Prometheus label name of an attribute: `db.namespace` -> `db_namespace`. */
export function promLabel(attribute: string): string {
  const label = attribute.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(label) ? `key_${label}` : label;
}

/** The Prometheus names of every metric of a table, under the table's keys. */
export function promNames<T extends Readonly<Record<string, MetricName>>>(
  table: T,
): { readonly [K in keyof T]: string } {
  return Object.fromEntries(Object.entries(table).map(([k, m]) => [k, promName(m)])) as { [K in keyof T]: string };
}

/** The Prometheus label of one of the metric's own attributes (a key the metric does not declare does not compile). */
export function label<M extends MetricSpec, K extends AttributeOf<M>>(_metric: M, attribute: K): string {
  return promLabel(attribute);
}

/**
 * A label matcher on one of the metric's attributes: `matcher(PG.backends, 'postgresql.state', 'active')` ->
 * `postgresql_state="active"`. The value must be one of the attribute's declared values when it has a closed set.
 */
export function matcher<M extends MetricSpec, K extends AttributeOf<M>>(
  metric: M,
  attribute: K,
  value: ValueOf<M, K>,
  op: '=' | '!=' = '=',
): string {
  return `${label(metric, attribute)}${op}${JSON.stringify(value)}`;
}
