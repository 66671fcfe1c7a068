// S3-compatible mode, requests side: the store's own Prometheus metrics mapped onto the receiver's table.
// SeaweedFS counts every S3 request by kind, status code and bucket (`SeaweedFS_s3_request_total{type,code,bucket}`)
// and times it (`SeaweedFS_s3_request_seconds`, `SeaweedFS_s3_time_to_first_byte_millisecond` histograms by type
// and bucket). Those totals are the store's own count since it started, passed through unchanged (a store restart
// is a counter reset); `rpc.method="ALL"` is their sum over kinds. The latency gauges are the mean over the
// requests finished since the previous scrape (the histograms' sum and count deltas), reported only when there
// were such requests.
import {
  type Observation,
  type PrometheusSample,
  parsePrometheusText,
  type ScrapeContext,
} from '@foursignals/receiver-core';
import type { S3StoreClient } from './client.ts';
import {
  ATTR_BUCKET,
  ATTR_LATENCY_KIND,
  ATTR_RPC_METHOD,
  ATTR_STATISTIC,
  ATTR_STATUS_CLASS,
  METRICS,
} from './metrics.ts';

const REQUESTS = 'SeaweedFS_s3_request_total';
const LATENCY: Readonly<Record<string, { kind: string; toSeconds: number }>> = {
  SeaweedFS_s3_request_seconds: { kind: 'total', toSeconds: 1 },
  SeaweedFS_s3_time_to_first_byte_millisecond: { kind: 'first_byte', toSeconds: 0.001 },
};

export class ServerMetricsSource {
  readonly #client: S3StoreClient;
  /** Previous histogram sum and count per (metric, bucket), for the latency means. */
  #previous = new Map<string, { sum: number; count: number }>();

  constructor(client: S3StoreClient) {
    this.#client = client;
  }

  async scrape(buckets: readonly string[], ctx: ScrapeContext): Promise<Observation[]> {
    return this.observations(parsePrometheusText(await this.#client.serverMetrics(ctx.signal)), new Set(buckets));
  }

  observations(samples: PrometheusSample[], buckets: ReadonlySet<string>): Observation[] {
    const requests = new Map<string, number>();
    const errors = new Map<string, number>();
    const latency = new Map<string, { sum: number; count: number }>();
    const add = (map: Map<string, number>, key: string, v: number) => map.set(key, (map.get(key) ?? 0) + v);
    for (const s of samples) {
      const bucket = s.labels.bucket;
      if (!bucket || !buckets.has(bucket)) continue;
      if (s.name === REQUESTS) {
        const method = (s.labels.type ?? 'UNKNOWN').toUpperCase();
        add(requests, `${bucket}\u0000${method}`, s.value);
        add(requests, `${bucket}\u0000ALL`, s.value);
        const code = Number(s.labels.code);
        if (code >= 400 && code < 600) add(errors, `${bucket}\u0000${code < 500 ? '4xx' : '5xx'}`, s.value);
        continue;
      }
      for (const [base, spec] of Object.entries(LATENCY)) {
        const key = `${base}\u0000${bucket}`;
        const entry = latency.get(key) ?? { sum: 0, count: 0 };
        if (s.name === `${base}_sum`) entry.sum += s.value * spec.toSeconds;
        else if (s.name === `${base}_count`) entry.count += s.value;
        else continue;
        latency.set(key, entry);
      }
    }
    const out: Observation[] = [];
    for (const [key, value] of requests) {
      const [bucket, method] = key.split('\u0000') as [string, string];
      out.push({
        metric: METRICS.bucketRequests.name,
        attributes: { [ATTR_BUCKET]: bucket, [ATTR_RPC_METHOD]: method },
        value,
      });
    }
    for (const [key, value] of errors) {
      const [bucket, statusClass] = key.split('\u0000') as [string, string];
      out.push({
        metric: METRICS.bucketErrors.name,
        attributes: { [ATTR_BUCKET]: bucket, [ATTR_STATUS_CLASS]: statusClass },
        value,
      });
    }
    for (const [key, now] of latency) {
      const before = this.#previous.get(key);
      const [base, bucket] = key.split('\u0000') as [string, string];
      // The first scrape has no interval yet; a count that went down is a store restart: start over.
      if (before && now.count > before.count) {
        out.push({
          metric: METRICS.bucketRequestLatency.name,
          attributes: { [ATTR_BUCKET]: bucket, [ATTR_LATENCY_KIND]: LATENCY[base]!.kind, [ATTR_STATISTIC]: 'Average' },
          value: (now.sum - before.sum) / (now.count - before.count),
        });
      }
    }
    this.#previous = latency;
    return out;
  }
}
