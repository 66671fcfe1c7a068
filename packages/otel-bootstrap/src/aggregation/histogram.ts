// Pre-aggregation for the hot path: a histogram cell per attribute combination, updated with a few arithmetic
// operations per measurement and converted to OpenTelemetry data points only when a reader collects.

export class Cell {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly counts: Float64Array;
  readonly attributes: Record<string, string | number | boolean>;

  constructor(buckets: number, attributes: Record<string, string | number | boolean>) {
    this.counts = new Float64Array(buckets + 1);
    this.attributes = attributes;
  }
}

export function record(cell: Cell, bounds: readonly number[], value: number): void {
  cell.count++;
  cell.sum += value;
  if (value < cell.min) cell.min = value;
  if (value > cell.max) cell.max = value;
  // OpenTelemetry explicit buckets are upper-inclusive: bucket i holds (bounds[i-1], bounds[i]].
  let i = 0;
  const n = bounds.length;
  while (i < n && value > bounds[i]!) i++;
  cell.counts[i]!++;
}

/**
 * A histogram keyed by an arbitrary string, for the low-rate instruments (S3, pg): the key is built by the caller.
 * A series cap folds new combinations into one overflow cell marked `otel.metric.overflow=true`.
 */
export class KeyedHistogram {
  readonly cells = new Map<string, Cell>();
  readonly bounds: readonly number[];
  readonly maxSeries: number;
  overflow: Cell | undefined;
  overflowCount = 0;

  constructor(bounds: readonly number[], maxSeries: number) {
    this.bounds = bounds;
    this.maxSeries = maxSeries;
  }

  record(key: string, attributes: () => Record<string, string | number | boolean>, value: number): void {
    let cell = this.cells.get(key);
    if (cell === undefined) {
      if (this.cells.size >= this.maxSeries) {
        this.overflow ??= new Cell(this.bounds.length, { 'otel.metric.overflow': true });
        this.overflowCount++;
        cell = this.overflow;
      } else {
        cell = new Cell(this.bounds.length, attributes());
        this.cells.set(key, cell);
      }
    }
    record(cell, this.bounds, value);
  }

  *all(): Iterable<Cell> {
    yield* this.cells.values();
    if (this.overflow) yield this.overflow;
  }
}

/** A monotonic counter keyed by a string, with the same overflow rule. */
export class KeyedCounter {
  readonly values = new Map<string, { attributes: Record<string, string | number | boolean>; value: number }>();
  readonly maxSeries: number;
  overflowCount = 0;

  constructor(maxSeries: number) {
    this.maxSeries = maxSeries;
  }

  add(key: string, attributes: () => Record<string, string | number | boolean>, n = 1): void {
    let v = this.values.get(key);
    if (v === undefined) {
      if (this.values.size >= this.maxSeries) {
        key = '\0overflow';
        v = this.values.get(key);
        this.overflowCount++;
        if (v === undefined) {
          v = { attributes: { 'otel.metric.overflow': true }, value: 0 };
          this.values.set(key, v);
        }
      } else {
        v = { attributes: attributes(), value: 0 };
        this.values.set(key, v);
      }
    }
    v.value += n;
  }
}

/** The map under `key`, created empty on first use: the levels of the per-request series tables (no key strings). */
export function inner<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let m = outer.get(key);
  if (m === undefined) {
    m = new Map();
    outer.set(key, m);
  }
  return m;
}
