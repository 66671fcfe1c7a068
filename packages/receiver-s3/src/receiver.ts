import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type Observation,
  type Receiver,
  type ReceiverFactory,
  type ScrapeContext,
  targetOf,
} from '@foursignals/receiver-core';
import { CloudWatchSource, errorText, failure } from './cloudwatch.ts';
import { CONFIG_SCHEMA, type S3ReceiverConfig } from './config.ts';
import { ListingSource } from './listing.ts';
import { METRICS } from './metrics.ts';
import { ServerMetricsSource } from './server-metrics.ts';

// The scrape is retried on the next interval anyway: one retry, so SDK back-off does not eat the scrape timeout.
const MAX_ATTEMPTS = 2;

function credentialsOf(config: S3ReceiverConfig) {
  if (!config.access_key_id || !config.secret_access_key) return {};
  return {
    credentials: {
      accessKeyId: config.access_key_id,
      secretAccessKey: config.secret_access_key,
      ...(config.session_token ? { sessionToken: config.session_token } : {}),
    },
  };
}

/** Exported for tests and benchmarks inside this repo; not part of the package's entry point. */
export class S3Receiver implements Receiver {
  readonly target: string;
  readonly source: CloudWatchSource | ListingSource;
  readonly #config: S3ReceiverConfig;
  readonly #s3: S3Client;
  readonly #cloudwatch: CloudWatchClient | undefined;
  readonly #serverMetrics: ServerMetricsSource | undefined;

  constructor(config: S3ReceiverConfig) {
    this.#config = config;
    const region = config.region ?? 'us-east-1';
    this.#s3 = new S3Client({
      region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.force_path_style ?? config.endpoint !== undefined,
      ...credentialsOf(config),
      maxAttempts: MAX_ATTEMPTS,
    });
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
      this.source = new ListingSource(this.#s3, config.listing);
      this.target = config.endpoint ? targetOf(config.endpoint) : `s3.${region}.amazonaws.com:443`;
      if (config.server_metrics) this.#serverMetrics = new ServerMetricsSource(config.server_metrics.url);
    }
  }

  async #buckets(ctx: ScrapeContext): Promise<string[]> {
    if (this.#config.buckets) return this.#config.buckets;
    const out = await this.#s3
      .send(new ListBucketsCommand({}), { abortSignal: ctx.signal })
      .catch((err: unknown) => Promise.reject(failure('ListBuckets', err)));
    return (out.Buckets ?? []).map((b) => b.Name).filter((n): n is string => typeof n === 'string');
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
    this.#s3.destroy();
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
