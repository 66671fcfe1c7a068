import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  type Observation,
  type Receiver,
  type ReceiverFactory,
  type ScrapeContext,
  targetOf,
} from '@foursignals/receiver-core';
import { credentialsOf, MAX_ATTEMPTS, type S3StoreClient, sdkStoreClient } from './client.ts';
import { CloudWatchSource, errorText, failure } from './cloudwatch.ts';
import { CONFIG_SCHEMA, type S3ReceiverConfig } from './config.ts';
import { ListingSource } from './listing.ts';
import { METRICS } from './metrics.ts';
import { ServerMetricsSource } from './server-metrics.ts';

/** Exported for tests and benchmarks inside this repo; not part of the package's entry point. */
export class S3Receiver implements Receiver {
  readonly target: string;
  readonly source: CloudWatchSource | ListingSource;
  readonly #config: S3ReceiverConfig;
  readonly #store: S3StoreClient;
  readonly #cloudwatch: CloudWatchClient | undefined;
  readonly #serverMetrics: ServerMetricsSource | undefined;

  /** `store` is the seam to the S3 API and the store's metrics: the AWS SDK unless a test passes recorded answers. */
  constructor(config: S3ReceiverConfig, store: S3StoreClient = sdkStoreClient(config)) {
    this.#config = config;
    this.#store = store;
    const region = config.region ?? 'us-east-1';
    if (config.mode === 'aws') {
      const endpoint = config.cloudwatch?.endpoint;
      this.#cloudwatch = new CloudWatchClient({
        region,
        ...(endpoint ? { endpoint } : {}),
        ...credentialsOf(config),
        maxAttempts: MAX_ATTEMPTS,
      });
      this.source = new CloudWatchSource(this.#cloudwatch, config.cloudwatch);
      this.target = endpoint ? targetOf(endpoint) : `monitoring.${region}.amazonaws.com:443`;
    } else {
      this.source = new ListingSource(store, config.listing);
      this.target = config.endpoint ? targetOf(config.endpoint) : `s3.${region}.amazonaws.com:443`;
      if (config.server_metrics) this.#serverMetrics = new ServerMetricsSource(store);
    }
  }

  async #buckets(ctx: ScrapeContext): Promise<string[]> {
    if (this.#config.buckets) return this.#config.buckets;
    return this.#store.listBuckets(ctx.signal).catch((err: unknown) => Promise.reject(failure('ListBuckets', err)));
  }

  async scrape(ctx: ScrapeContext): Promise<Observation[]> {
    const buckets = await this.#buckets(ctx);
    const [main, served] = await Promise.all([
      this.source.scrape(buckets, ctx),
      this.#serverMetrics?.scrape(buckets, ctx).catch((err: unknown) => {
        ctx.warn(`S3 server metrics: ${errorText(err)}`);
        return [];
      }) ?? [],
    ]);
    return [...main, ...served];
  }

  async shutdown(): Promise<void> {
    await this.#store.destroy();
    this.#cloudwatch?.destroy();
  }
}

/** The `s3` receiver type: `s3/<name>` blocks in receivers.yaml. */
export const s3ReceiverFactory: ReceiverFactory<S3ReceiverConfig> = {
  type: 's3',
  metrics: METRICS,
  configSchema: CONFIG_SCHEMA,
  create(_name: string, config: S3ReceiverConfig): Receiver {
    return new S3Receiver(config);
  },
};
