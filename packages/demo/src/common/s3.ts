import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Env } from './env.ts';
import type { FaultWatcher } from './faults.ts';

/** The services' S3 access. Absent store: every call is skipped (`enabled` false). */
export class Store {
  readonly enabled: boolean;
  readonly #client: S3Client | undefined;
  readonly #badClient: S3Client | undefined;
  readonly #faults: FaultWatcher;

  constructor(env: S3Env | undefined, faults: FaultWatcher) {
    this.#faults = faults;
    this.enabled = env !== undefined;
    if (env) {
      const base = { endpoint: env.endpoint, region: env.region, forcePathStyle: true, maxAttempts: 1 };
      this.#client = new S3Client({
        ...base,
        credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
      });
      this.#badClient = new S3Client({
        ...base,
        credentials: { accessKeyId: env.accessKeyId, secretAccessKey: `${env.secretAccessKey}-wrong` },
      });
    }
  }

  async ensureBucket(bucket: string): Promise<void> {
    if (!this.#client) return;
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
    }
    try {
      await this.#client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      const name = (err as Error).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }

  /**
   * The S3-errors fault: a share of calls use bad credentials (403); reads also go to a missing key (404). Writes are
   * never redirected, so the fault leaves no misplaced object behind to cause errors after it is off.
   */
  #pick(key: string, read = true): { client: S3Client; key: string } {
    const client = this.#client!;
    if (this.#faults.current.s3Errors) {
      const r = Math.random();
      if (r < 0.25) return { client: this.#badClient!, key };
      if (read && r < 0.5) return { client, key: `missing/${key}` };
    }
    return { client, key };
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    if (!this.#client) return false;
    const p = this.#pick(key);
    try {
      await p.client.send(new HeadObjectCommand({ Bucket: bucket, Key: p.key }));
      return true;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  async put(bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    if (!this.#client) return;
    const p = this.#pick(key, false);
    await p.client.send(new PutObjectCommand({ Bucket: bucket, Key: p.key, Body: body, ContentType: contentType }));
  }

  /** The object's bytes, or undefined when it does not exist. */
  async get(bucket: string, key: string): Promise<Uint8Array | undefined> {
    if (!this.#client) return undefined;
    const p = this.#pick(key);
    try {
      const out = await p.client.send(new GetObjectCommand({ Bucket: bucket, Key: p.key }));
      return await out.Body!.transformToByteArray();
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw err;
    }
  }

  close(): void {
    this.#client?.destroy();
    this.#badClient?.destroy();
  }
}
