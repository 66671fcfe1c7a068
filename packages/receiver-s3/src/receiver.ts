import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { Observation, Receiver, ReceiverFactory, ScrapeContext } from '@foursignals/receiver-core';
import { CloudWatchSource, errorText } from './cloudwatch.ts';
import { configSchema, type S3ReceiverConfig } from './config.ts';
import { ListingSource } from './listing.ts';
import { METRICS } from './metrics.ts';
import { ServerMetricsSource } from './server-metrics.ts';

function s3Client(config: S3ReceiverConfig): S3Client {
  return new S3Client({
    region: config.region ?? 'us-east-1',
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // The scrape is retried on the next interval anyway; don't let SDK back-off eat the scrape timeout.
    maxAttempts: 2,
  });
}

/** Exported for tests and benchmarks inside this repo; not part of the package's entry point. */
export class S3Receiver implements Receiver {
  readonly target: string;
  readonly #config: S3ReceiverConfig;
  readonly #s3: S3Client;
  readonly #cloudwatch: CloudWatchClient | undefined;
  readonly source: CloudWatchSource | ListingSource;
  readonly #serverMetrics: ServerMetricsSource | undefined;

  constructor(config: S3ReceiverConfig) {
    this.#config = config;
    this.#s3 = s3Client(config);
    const region = config.region ?? 'us-east-1';
    if (config.mode === 'aws') {
      const endpoint = config.cloudwatch?.endpoint;
      this.#cloudwatch = new CloudWatchClient({
        region,
        ...(endpoint ? { endpoint } : {}),
        ...(config.credentials ? { credentials: config.credentials } : {}),
        maxAttempts: 2,
      });
      this.source = new CloudWatchSource(this.#cloudwatch, config.cloudwatch);
      this.target = endpoint ?? `cloudwatch.${region}`;
    } else {
      this.source = new ListingSource(this.#s3, config.listing);
      this.target = config.endpoint ?? `s3.${region}`;
    }
    this.#serverMetrics =
      config.mode === 'listing' && config.serverMetrics ? new ServerMetricsSource(config.serverMetrics.url) : undefined;
  }

  async #buckets(ctx: ScrapeContext): Promise<string[]> {
    if (this.#config.buckets) return this.#config.buckets;
    const out = await this.#s3.send(new ListBucketsCommand({}), { abortSignal: ctx.signal });
    return (out.Buckets ?? []).map((b) => b.Name).filter((n): n is string => typeof n === 'string');
  }

  async scrape(ctx: ScrapeContext): Promise<Observation[]> {
    const buckets = await this.#buckets(ctx);
    const [listed, served] = await Promise.all([
      this.source.scrape(buckets, ctx),
      this.#serverMetrics?.scrape(buckets, ctx).catch((err: unknown) => {
        ctx.warn(`S3 server metrics: ${errorText(err)}`);
        return [];
      }) ?? [],
    ]);
    return [...listed, ...served];
  }

  async shutdown(): Promise<void> {
    this.#s3.destroy();
    this.#cloudwatch?.destroy();
  }
}

/** The `s3` receiver type: `s3/<name>` blocks in receivers.yaml. */
export const s3ReceiverFactory: ReceiverFactory<S3ReceiverConfig> = {
  type: 's3',
  metrics: METRICS,
  configSchema,
  create(_name: string, config: S3ReceiverConfig): Receiver {
    return new S3Receiver(config);
  },
};
