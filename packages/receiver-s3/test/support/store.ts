// The real S3-compatible store of the local stack (SeaweedFS), read from the stack's endpoints.json.
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { readEndpoints } from '@foursignals/stack';
import { type S3StoreClient, sdkStoreClient } from '../../src/client.ts';
import type { S3ReceiverConfig } from '../../src/config.ts';

export interface Store {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  metricsUrl: string | undefined;
  client: S3Client;
}

export function store(): Store {
  const e = readEndpoints();
  if (!e.s3_endpoint || !e.s3_access_key_id || !e.s3_secret_access_key) {
    throw new Error('the local stack has no S3 store (no s3_endpoint in endpoints.json): run `npm run stack -- up`');
  }
  const credentials = { accessKeyId: e.s3_access_key_id, secretAccessKey: e.s3_secret_access_key };
  const region = e.s3_region ?? 'us-east-1';
  return {
    endpoint: e.s3_endpoint,
    region,
    credentials,
    metricsUrl: e.s3_metrics_url,
    client: new S3Client({ endpoint: e.s3_endpoint, region, credentials, forcePathStyle: true }),
  };
}

/** A fresh bucket with a unique name. */
export async function createBucket(s: Store, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await s.client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** Puts objects of the given sizes (bounded concurrency); returns their keys. */
export async function putObjects(s: Store, bucket: string, sizes: number[], concurrency = 16): Promise<string[]> {
  const keys = sizes.map((_, i) => `obj/${String(i).padStart(6, '0')}`);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < sizes.length; i = next++) {
      await s.client.send(new PutObjectCommand({ Bucket: bucket, Key: keys[i], Body: Buffer.alloc(sizes[i]!, 120) }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return keys;
}

export async function deleteBucket(s: Store, bucket: string): Promise<void> {
  for (;;) {
    const page = await s.client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) break;
    await s.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  await s.client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** The receiver's listing-mode config for the stack's store (its endpoint, credentials and metrics URL). */
export function listingConfig(s: Store, extra: Partial<S3ReceiverConfig> = {}): S3ReceiverConfig {
  return {
    mode: 'listing',
    endpoint: s.endpoint,
    region: s.region,
    access_key_id: s.credentials.accessKeyId,
    secret_access_key: s.credentials.secretAccessKey,
    ...(s.metricsUrl ? { server_metrics: { url: s.metricsUrl } } : {}),
    ...extra,
  };
}

/** The receiver's real client seam on the stack's store. */
export function storeClient(s: Store): S3StoreClient {
  return sdkStoreClient(listingConfig(s));
}
