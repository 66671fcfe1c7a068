// Listing mode: bucket size and object count by listing every object with ListObjectsV2, for any S3-compatible
// store. Buckets are listed `concurrency` at a time; a scrape spends at most `time_budget` listing. A bucket
// not finished in budget keeps its continuation token and resumes on the next scrape, and reports
// s3.bucket.listing.truncated = 1 meanwhile: size and object count always come from a complete listing pass.
import { type Observation, parseDuration, type ScrapeContext } from '@foursignals/receiver-core';
import type { ObjectsPage, S3StoreClient } from './client.ts';
import { errorText, failure } from './cloudwatch.ts';
import type { ListingOptions } from './config.ts';
import { ATTR_BUCKET, ATTR_STORAGE_CLASS, METRICS } from './metrics.ts';

interface Tally {
  bytesByClass: Map<string, number>;
  objects: number;
}

interface BucketState {
  /** Result of the last complete pass. */
  complete?: Tally;
  /** A pass in progress: where to continue, and what it has counted so far. */
  pass?: Tally & { token: string | undefined };
}

export interface ListingStats {
  /** ListObjectsV2 calls of the last scrape. */
  pages: number;
  /** Buckets still unfinished after the last scrape. */
  truncated: number;
}

export class ListingSource {
  readonly #client: S3StoreClient;
  readonly #concurrency: number;
  readonly #budgetMs: number;
  readonly #pageSize: number;
  readonly #buckets = new Map<string, BucketState>();
  lastScrape: ListingStats = { pages: 0, truncated: 0 };

  constructor(client: S3StoreClient, options: ListingOptions = {}) {
    this.#client = client;
    this.#concurrency = options.concurrency ?? 4;
    this.#budgetMs = parseDuration(options.time_budget ?? '5s');
    this.#pageSize = options.page_size ?? 1000;
  }

  async scrape(buckets: readonly string[], ctx: ScrapeContext): Promise<Observation[]> {
    const deadline = Date.now() + this.#budgetMs;
    for (const name of this.#buckets.keys()) if (!buckets.includes(name)) this.#buckets.delete(name);
    const stats: ListingStats = { pages: 0, truncated: 0 };
    const failures: unknown[] = [];
    const queue = [...buckets];
    const worker = async (): Promise<void> => {
      for (let bucket = queue.shift(); bucket !== undefined; bucket = queue.shift()) {
        try {
          await this.#listBucket(bucket, deadline, ctx, stats);
        } catch (err) {
          failures.push(err);
          // A bucket that is gone has no size: drop its last listing rather than report it forever.
          if ((err as { name?: string }).name === 'NoSuchBucket') this.#buckets.delete(bucket);
          ctx.warn(`listing bucket ${bucket}: ${errorText(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, buckets.length) }, worker));
    if (buckets.length > 0 && failures.length === buckets.length)
      throw failure('ListObjectsV2 on every bucket', failures[0]);
    stats.truncated = buckets.filter((b) => this.#buckets.get(b)?.pass).length;
    this.lastScrape = stats;
    return this.#observations(buckets);
  }

  async #listBucket(bucket: string, deadline: number, ctx: ScrapeContext, stats: ListingStats): Promise<void> {
    const state = this.#buckets.get(bucket) ?? {};
    this.#buckets.set(bucket, state);
    const pass = state.pass ?? { token: undefined, bytesByClass: new Map<string, number>(), objects: 0 };
    state.pass = pass;
    let pagesNow = 0;
    // At least one page per scrape, so every bucket makes progress even when the budget is spent.
    while (pagesNow === 0 || Date.now() < deadline) {
      let out: ObjectsPage;
      try {
        out = await this.#client.listObjects(bucket, pass.token, this.#pageSize, ctx.signal);
      } catch (err) {
        // A continuation token can expire or become invalid: start the pass over next time.
        if (pass.token !== undefined && !ctx.signal.aborted && isClientError(err)) state.pass = undefined;
        throw err;
      }
      pagesNow++;
      stats.pages++;
      for (const object of out.objects) {
        const storageClass = object.storageClass ?? 'STANDARD';
        pass.bytesByClass.set(storageClass, (pass.bytesByClass.get(storageClass) ?? 0) + object.size);
        pass.objects++;
      }
      if (out.nextToken === undefined) {
        state.complete = { bytesByClass: pass.bytesByClass, objects: pass.objects };
        state.pass = undefined;
        return;
      }
      pass.token = out.nextToken;
    }
  }

  #observations(buckets: readonly string[]): Observation[] {
    const out: Observation[] = [];
    for (const bucket of buckets) {
      const state = this.#buckets.get(bucket);
      if (!state) continue;
      const attrs = { [ATTR_BUCKET]: bucket };
      out.push({ metric: METRICS.listingTruncated.name, attributes: attrs, value: state.pass ? 1 : 0 });
      if (!state.complete) continue;
      out.push({ metric: METRICS.bucketObjects.name, attributes: attrs, value: state.complete.objects });
      const classes = state.complete.bytesByClass.size > 0 ? state.complete.bytesByClass : new Map([['STANDARD', 0]]);
      for (const [storageClass, bytes] of classes) {
        out.push({
          metric: METRICS.bucketSize.name,
          attributes: { [ATTR_BUCKET]: bucket, [ATTR_STORAGE_CLASS]: storageClass },
          value: bytes,
        });
      }
    }
    return out;
  }
}

function isClientError(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}
