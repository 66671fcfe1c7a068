// AWS mode: the AWS/S3 CloudWatch namespace through GetMetricData.
//
// - Daily storage metrics (BucketSizeBytes by StorageType, NumberOfObjects) are read with a one-day period over the
//   last few days (CloudWatch publishes them once a day, up to ~48 h late) and the newest datapoint is kept; they
//   are re-read every `storage_refresh`.
// - 1-minute request metrics are read over a window [watermark, end) where end = now - delay aligned down to the
//   period. Every datapoint of the window is added to a cumulative counter exactly once, and the watermark moves to
//   `end` only when every call of the window succeeded: a failed scrape is retried as a whole on the next one
//   (no gaps), datapoints outside the window are ignored (no duplicates), and a series appears only once
//   CloudWatch has returned a datapoint for it (no invented zeros).
// - Queries are batched: one call per `max_queries_per_call` (500) queries per window, plus NextToken pages.
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { type Observation, parseDuration, type ScrapeContext } from '@foursignals/receiver-core';
import type { CloudWatchOptions } from './config.ts';
import {
  ATTR_BUCKET,
  ATTR_LATENCY_KIND,
  ATTR_RPC_METHOD,
  ATTR_STATISTIC,
  ATTR_STATUS_CLASS,
  ATTR_STORAGE_CLASS,
  METRICS,
} from './metrics.ts';

const NAMESPACE = 'AWS/S3';
const DAY_MS = 86_400_000;
/** Days of daily storage datapoints searched for the newest one. */
const STORAGE_LOOKBACK_DAYS = 3;

/** CloudWatch StorageType -> S3 API storage class. */
export const STORAGE_TYPES: Readonly<Record<string, string>> = {
  StandardStorage: 'STANDARD',
  StandardIAStorage: 'STANDARD_IA',
  OneZoneIAStorage: 'ONEZONE_IA',
  ReducedRedundancyStorage: 'REDUCED_REDUNDANCY',
  IntelligentTieringFAStorage: 'INTELLIGENT_TIERING',
  IntelligentTieringIAStorage: 'INTELLIGENT_TIERING_IA',
  IntelligentTieringAIAStorage: 'INTELLIGENT_TIERING_AIA',
  GlacierInstantRetrievalStorage: 'GLACIER_IR',
  GlacierStorage: 'GLACIER',
  DeepArchiveStorage: 'DEEP_ARCHIVE',
};
const DEFAULT_STORAGE_TYPES = [
  'StandardStorage',
  'StandardIAStorage',
  'OneZoneIAStorage',
  'IntelligentTieringFAStorage',
  'GlacierInstantRetrievalStorage',
  'GlacierStorage',
  'DeepArchiveStorage',
];

/** CloudWatch request-metric name -> rpc.method. */
export const REQUEST_METRICS: Readonly<Record<string, string>> = {
  AllRequests: 'ALL',
  GetRequests: 'GET',
  PutRequests: 'PUT',
  DeleteRequests: 'DELETE',
  HeadRequests: 'HEAD',
  PostRequests: 'POST',
  ListRequests: 'LIST',
  SelectRequests: 'SELECT',
};
const ERROR_METRICS: Readonly<Record<string, string>> = { '4xxErrors': '4xx', '5xxErrors': '5xx' };
const LATENCY_METRICS: Readonly<Record<string, string>> = {
  FirstByteLatency: 'first_byte',
  TotalRequestLatency: 'total',
};

type Query =
  | { kind: 'size'; bucket: string; storageType: string }
  | { kind: 'objects'; bucket: string }
  | { kind: 'requests'; bucket: string; metricName: string }
  | { kind: 'errors'; bucket: string; metricName: string }
  | { kind: 'latency'; bucket: string; metricName: string; stat: string };

interface Point {
  timestamp: number;
  value: number;
}

interface Resolved {
  filterId: string | null;
  periodS: number;
  delayMs: number;
  backfillMs: number;
  maxCatchUpMs: number;
  storageRefreshMs: number;
  storageTypes: string[];
  latencyStatistics: string[];
  maxQueriesPerCall: number;
}

function resolve(o: CloudWatchOptions = {}): Resolved {
  return {
    filterId: o.request_metrics_filter_id === undefined ? 'EntireBucket' : o.request_metrics_filter_id,
    periodS: Math.max(1, Math.ceil(parseDuration(o.request_period ?? '1m') / 60_000)) * 60,
    delayMs: parseDuration(o.delay ?? '5m'),
    backfillMs: parseDuration(o.backfill ?? '0s'),
    maxCatchUpMs: parseDuration(o.max_catch_up ?? '24h'),
    storageRefreshMs: parseDuration(o.storage_refresh ?? '1h'),
    storageTypes: o.storage_types ?? DEFAULT_STORAGE_TYPES,
    latencyStatistics: o.latency_statistics ?? ['Average', 'p99'],
    maxQueriesPerCall: Math.min(o.max_queries_per_call ?? 500, 500),
  };
}

function seriesKey(...parts: string[]): string {
  return parts.join('\u0000');
}

/** Reads AWS/S3 metrics for a set of buckets; keeps the cumulative counters and the request-metrics watermark. */
export class CloudWatchSource {
  readonly #client: CloudWatchClient;
  readonly #o: Resolved;
  readonly #now: () => number;
  /** End (exclusive, ms) of the request-metrics window already counted. */
  #watermark: number | undefined;
  #storageReadAt = Number.NEGATIVE_INFINITY;
  #storageBuckets = '';
  readonly #size = new Map<string, { bucket: string; storageClass: string; point: Point }>();
  readonly #objects = new Map<string, { bucket: string; point: Point }>();
  readonly #requests = new Map<string, { bucket: string; method: string; total: number }>();
  readonly #errors = new Map<string, { bucket: string; statusClass: string; total: number }>();
  readonly #latency = new Map<string, { bucket: string; kind: string; stat: string; point: Point }>();
  /** GetMetricData calls made so far (for benchmarks and tests). */
  apiCalls = 0;

  constructor(client: CloudWatchClient, options: CloudWatchOptions | undefined, now: () => number = Date.now) {
    this.#client = client;
    this.#o = resolve(options);
    this.#now = now;
  }

  async scrape(buckets: readonly string[], ctx: ScrapeContext): Promise<Observation[]> {
    const now = this.#now();
    const failures: unknown[] = [];
    let attempted = 0;

    const bucketsKey = [...buckets].sort().join(',');
    if (now - this.#storageReadAt >= this.#o.storageRefreshMs || bucketsKey !== this.#storageBuckets) {
      attempted++;
      try {
        await this.#readStorage(buckets, now, ctx);
        this.#storageReadAt = now;
        this.#storageBuckets = bucketsKey;
      } catch (err) {
        failures.push(err);
        ctx.warn(`CloudWatch storage metrics: ${errorText(err)}`);
      }
    }

    if (this.#o.filterId !== null) {
      const window = this.#requestWindow(now, ctx);
      if (window) {
        attempted++;
        try {
          await this.#readRequests(buckets, window.start, window.end, ctx);
          this.#watermark = window.end;
        } catch (err) {
          failures.push(err);
          ctx.warn(`CloudWatch request metrics: ${errorText(err)}`);
        }
      }
    }

    if (attempted > 0 && failures.length === attempted) throw failure('CloudWatch GetMetricData', failures[0]);
    return this.#observations(new Set(buckets), now);
  }

  #requestWindow(now: number, ctx: ScrapeContext): { start: number; end: number } | undefined {
    const periodMs = this.#o.periodS * 1000;
    const end = Math.floor((now - this.#o.delayMs) / periodMs) * periodMs;
    let start = this.#watermark ?? end - Math.ceil(this.#o.backfillMs / periodMs) * periodMs;
    if (end - start > this.#o.maxCatchUpMs) {
      const skippedTo = end - Math.floor(this.#o.maxCatchUpMs / periodMs) * periodMs;
      ctx.warn(
        `CloudWatch request metrics: ${(skippedTo - start) / 1000} s of periods are older than max_catch_up ` +
          'and are skipped',
      );
      start = skippedTo;
    }
    if (this.#watermark === undefined && start === end) {
      // First scrape without backfill: counting starts at `end`.
      this.#watermark = end;
      return undefined;
    }
    return end > start ? { start, end } : undefined;
  }

  async #readStorage(buckets: readonly string[], now: number, ctx: ScrapeContext): Promise<void> {
    const queries: Query[] = [];
    for (const bucket of buckets) {
      for (const storageType of this.#o.storageTypes) queries.push({ kind: 'size', bucket, storageType });
      queries.push({ kind: 'objects', bucket });
    }
    const end = Math.floor(now / 60_000) * 60_000;
    const start = Math.floor(now / DAY_MS) * DAY_MS - STORAGE_LOOKBACK_DAYS * DAY_MS;
    const results = await this.#getMetricData(queries, start, end, ctx);
    const wanted = new Set(buckets);
    for (const [key, entry] of this.#size) if (!wanted.has(entry.bucket)) this.#size.delete(key);
    for (const [key, entry] of this.#objects) if (!wanted.has(entry.bucket)) this.#objects.delete(key);
    results.forEach((points, i) => {
      const q = queries[i]!;
      const newest = points.reduce<Point | undefined>((a, p) => (a && a.timestamp >= p.timestamp ? a : p), undefined);
      if (q.kind === 'size') {
        const key = seriesKey(q.bucket, q.storageType);
        if (newest) {
          const storageClass = STORAGE_TYPES[q.storageType] ?? q.storageType;
          this.#size.set(key, { bucket: q.bucket, storageClass, point: newest });
        } else this.#size.delete(key);
      } else if (q.kind === 'objects') {
        if (newest) this.#objects.set(q.bucket, { bucket: q.bucket, point: newest });
        else this.#objects.delete(q.bucket);
      }
    });
  }

  async #readRequests(buckets: readonly string[], start: number, end: number, ctx: ScrapeContext): Promise<void> {
    const queries: Query[] = [];
    for (const bucket of buckets) {
      for (const metricName of Object.keys(REQUEST_METRICS)) queries.push({ kind: 'requests', bucket, metricName });
      for (const metricName of Object.keys(ERROR_METRICS)) queries.push({ kind: 'errors', bucket, metricName });
      for (const metricName of Object.keys(LATENCY_METRICS)) {
        for (const stat of this.#o.latencyStatistics) queries.push({ kind: 'latency', bucket, metricName, stat });
      }
    }
    // All calls first, then apply: a window is counted completely or not at all.
    const results = await this.#getMetricData(queries, start, end, ctx);
    results.forEach((all, i) => {
      const q = queries[i]!;
      const points = all.filter((p) => p.timestamp >= start && p.timestamp < end);
      if (points.length === 0) return;
      if (q.kind === 'requests') {
        const key = seriesKey(q.bucket, q.metricName);
        const entry = this.#requests.get(key) ?? { bucket: q.bucket, method: REQUEST_METRICS[q.metricName]!, total: 0 };
        for (const p of points) entry.total += p.value;
        this.#requests.set(key, entry);
      } else if (q.kind === 'errors') {
        const key = seriesKey(q.bucket, q.metricName);
        const statusClass = ERROR_METRICS[q.metricName]!;
        const entry = this.#errors.get(key) ?? { bucket: q.bucket, statusClass, total: 0 };
        for (const p of points) entry.total += p.value;
        this.#errors.set(key, entry);
      } else if (q.kind === 'latency') {
        const key = seriesKey(q.bucket, q.metricName, q.stat);
        const newest = points.reduce((a, p) => (a.timestamp >= p.timestamp ? a : p));
        const kind = LATENCY_METRICS[q.metricName]!;
        const old = this.#latency.get(key);
        if (!old || old.point.timestamp < newest.timestamp) {
          this.#latency.set(key, { bucket: q.bucket, kind, stat: q.stat, point: newest });
        }
      }
    });
  }

  #toMetricDataQuery(q: Query, id: string): MetricDataQuery {
    const periodS = q.kind === 'size' || q.kind === 'objects' ? 86_400 : this.#o.periodS;
    const dimensions = [{ Name: 'BucketName', Value: q.bucket }];
    let metricName: string;
    let stat: string;
    switch (q.kind) {
      case 'size':
        metricName = 'BucketSizeBytes';
        stat = 'Average';
        dimensions.push({ Name: 'StorageType', Value: q.storageType });
        break;
      case 'objects':
        metricName = 'NumberOfObjects';
        stat = 'Average';
        dimensions.push({ Name: 'StorageType', Value: 'AllStorageTypes' });
        break;
      case 'requests':
      case 'errors':
        metricName = q.metricName;
        stat = 'Sum';
        dimensions.push({ Name: 'FilterId', Value: this.#o.filterId! });
        break;
      case 'latency':
        metricName = q.metricName;
        stat = q.stat;
        dimensions.push({ Name: 'FilterId', Value: this.#o.filterId! });
        break;
    }
    return {
      Id: id,
      MetricStat: {
        Metric: { Namespace: NAMESPACE, MetricName: metricName, Dimensions: dimensions },
        Period: periodS,
        Stat: stat,
      },
      ReturnData: true,
    };
  }

  /** Runs the queries in batches of max_queries_per_call, following NextToken; returns the points per query. */
  async #getMetricData(queries: Query[], start: number, end: number, ctx: ScrapeContext): Promise<Point[][]> {
    const points: Point[][] = queries.map(() => []);
    for (let offset = 0; offset < queries.length; offset += this.#o.maxQueriesPerCall) {
      const batch = queries.slice(offset, offset + this.#o.maxQueriesPerCall);
      const metricDataQueries = batch.map((q, i) => this.#toMetricDataQuery(q, `q${i}`));
      let nextToken: string | undefined;
      do {
        this.apiCalls++;
        const out: GetMetricDataCommandOutput = await this.#client.send(
          new GetMetricDataCommand({
            MetricDataQueries: metricDataQueries,
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
          { abortSignal: ctx.signal },
        );
        for (const result of out.MetricDataResults ?? []) {
          const index = Number(result.Id?.slice(1));
          if (!Number.isInteger(index) || index < 0 || index >= batch.length) continue;
          if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
            ctx.warn(`GetMetricData ${result.Id}: ${result.StatusCode} ${result.Messages?.[0]?.Value ?? ''}`.trim());
          }
          const timestamps = result.Timestamps ?? [];
          const values = result.Values ?? [];
          const target = points[offset + index]!;
          for (let k = 0; k < Math.min(timestamps.length, values.length); k++) {
            target.push({ timestamp: timestamps[k]!.getTime(), value: values[k]! });
          }
        }
        nextToken = out.NextToken || undefined;
      } while (nextToken);
    }
    // The same timestamp twice (a page boundary repeated) must not count twice.
    return points.map((list) => {
      const seen = new Map<number, Point>();
      for (const p of list) seen.set(p.timestamp, p);
      return [...seen.values()].sort((a, b) => a.timestamp - b.timestamp);
    });
  }

  #observations(buckets: Set<string>, now: number): Observation[] {
    const out: Observation[] = [];
    for (const s of this.#size.values()) {
      if (!buckets.has(s.bucket)) continue;
      out.push({
        metric: METRICS.bucketSize.name,
        attributes: { [ATTR_BUCKET]: s.bucket, [ATTR_STORAGE_CLASS]: s.storageClass },
        value: s.point.value,
      });
    }
    for (const s of this.#objects.values()) {
      if (!buckets.has(s.bucket)) continue;
      out.push({ metric: METRICS.bucketObjects.name, attributes: { [ATTR_BUCKET]: s.bucket }, value: s.point.value });
    }
    for (const s of this.#requests.values()) {
      if (!buckets.has(s.bucket)) continue;
      out.push({
        metric: METRICS.bucketRequests.name,
        attributes: { [ATTR_BUCKET]: s.bucket, [ATTR_RPC_METHOD]: s.method },
        value: s.total,
      });
    }
    for (const s of this.#errors.values()) {
      if (!buckets.has(s.bucket)) continue;
      out.push({
        metric: METRICS.bucketErrors.name,
        attributes: { [ATTR_BUCKET]: s.bucket, [ATTR_STATUS_CLASS]: s.statusClass },
        value: s.total,
      });
    }
    // A latency is reported while its period is among the newest five countable ones.
    const periodMs = this.#o.periodS * 1000;
    const freshFrom = now - this.#o.delayMs - 6 * periodMs;
    for (const s of this.#latency.values()) {
      if (!buckets.has(s.bucket) || s.point.timestamp < freshFrom) continue;
      out.push({
        metric: METRICS.bucketRequestLatency.name,
        attributes: { [ATTR_BUCKET]: s.bucket, [ATTR_LATENCY_KIND]: s.kind, [ATTR_STATISTIC]: s.stat },
        // CloudWatch reports S3 latencies in milliseconds.
        value: s.point.value / 1000,
      });
    }
    return out;
  }
}

/** One line for a failed call: the SDK error's name, HTTP status and message, or the network error's code. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  const parts: string[] = [];
  if (e.name && e.name !== 'Error') parts.push(e.name);
  if (e.$metadata?.httpStatusCode) parts.push(`HTTP ${e.$metadata.httpStatusCode}`);
  if (e.code) parts.push(e.code);
  const head = parts.join(' ');
  const message = e.message && e.message !== 'UnknownError' ? e.message : '';
  const text = head && message ? `${head}: ${message}` : head || message || 'unknown error';
  return e.cause instanceof Error && !text.includes(e.cause.message) ? `${text} (${errorText(e.cause)})` : text;
}

/** Wraps a failure with what was being done, keeping the original as `cause`. */
export function failure(what: string, err: unknown): Error {
  return new Error(`${what}: ${errorText(err)}`, { cause: err });
}
