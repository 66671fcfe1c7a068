// The client seam of the S3-compatible mode: what the scraper reads from the store (as collector-contrib's
// receivers have client.go). The real implementation is the AWS SDK v3 S3 client plus a GET of the store's own
// Prometheus endpoint; unit tests replay answers recorded from SeaweedFS (testdata/, re-recorded by
// scripts/record-fixtures.ts). The AWS mode's CloudWatch side keeps the SDK client as its seam: AWS cannot be
// reached from here, so it is tested against a wire-level CloudWatch double (test/support/cloudwatch-mock.ts).
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3ReceiverConfig } from './config.ts';

// The scrape is retried on the next interval anyway: one retry, so SDK back-off does not eat the scrape timeout.
export const MAX_ATTEMPTS = 2;

export interface ObjectsPage {
  objects: { size: number; storageClass: string | undefined }[];
  /** Where the next page starts; undefined on the last page. */
  nextToken: string | undefined;
}

export interface S3StoreClient {
  listBuckets(signal: AbortSignal): Promise<string[]>;
  /** One ListObjectsV2 page of `bucket`, from `token` (undefined: the first page). */
  listObjects(bucket: string, token: string | undefined, maxKeys: number, signal: AbortSignal): Promise<ObjectsPage>;
  /** The store's own metrics in the Prometheus text format (`server_metrics.url`). */
  serverMetrics(signal: AbortSignal): Promise<string>;
  destroy(): Promise<void>;
}

/** Static credentials from the config, or none (the SDK's default chain then finds them). */
export function credentialsOf(config: S3ReceiverConfig) {
  if (!config.access_key_id || !config.secret_access_key) return {};
  return {
    credentials: {
      accessKeyId: config.access_key_id,
      secretAccessKey: config.secret_access_key,
      ...(config.session_token ? { sessionToken: config.session_token } : {}),
    },
  };
}

/** The real client: AWS SDK v3 for the S3 API, fetch for the store's metrics endpoint. */
export function sdkStoreClient(config: S3ReceiverConfig): S3StoreClient {
  const s3 = new S3Client({
    region: config.region ?? 'us-east-1',
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.force_path_style ?? config.endpoint !== undefined,
    ...credentialsOf(config),
    maxAttempts: MAX_ATTEMPTS,
  });
  const metricsUrl = config.server_metrics?.url;
  return {
    async listBuckets(signal) {
      const out = await s3.send(new ListBucketsCommand({}), { abortSignal: signal });
      return (out.Buckets ?? []).map((b) => b.Name).filter((n): n is string => typeof n === 'string');
    },
    async listObjects(bucket, token, maxKeys, signal) {
      const out = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, MaxKeys: maxKeys }),
        { abortSignal: signal },
      );
      return {
        objects: (out.Contents ?? []).map((o) => ({ size: o.Size ?? 0, storageClass: o.StorageClass })),
        nextToken: out.IsTruncated && out.NextContinuationToken ? out.NextContinuationToken : undefined,
      };
    },
    async serverMetrics(signal) {
      if (!metricsUrl) throw new Error('no server_metrics.url configured');
      const res = await fetch(metricsUrl, { signal });
      if (!res.ok) throw new Error(`server metrics ${metricsUrl}: HTTP ${res.status}`);
      return res.text();
    },
    async destroy() {
      s3.destroy();
    },
  };
}
