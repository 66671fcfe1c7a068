// Makes a known set of S3 calls through @aws-sdk/client-s3, prints what it did, and exits normally (the bootstrap
// must flush on the way out).
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const e = process.env;
const client = new S3Client({
  endpoint: e.S3_ENDPOINT,
  region: e.S3_REGION,
  forcePathStyle: true,
  credentials: { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY },
  maxAttempts: 1,
});
const bucket = e.S3_BUCKET;
const prefix = e.S3_PREFIX;
const puts = Number(e.PUTS);
const gets = Number(e.GETS);
const missing = Number(e.MISSING);
for (let i = 0; i < puts; i++) {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/o${i}`, Body: `body ${i}` }));
}
for (let i = 0; i < gets; i++) {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/o${i % puts}` }));
  await r.Body.transformToString();
}
let errors = 0;
for (let i = 0; i < missing; i++) {
  try {
    await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/missing-${i}` }));
  } catch {
    errors++;
  }
}
try {
  await client.send(new HeadBucketCommand({ Bucket: `${prefix}-no-such-bucket` }));
} catch {
  errors++;
}
// Clean up what we wrote (and measure DeleteObject too).
for (let i = 0; i < puts; i++) {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}/o${i}` }));
}
client.destroy();
process.stdout.write(`${JSON.stringify({ port: 0, errors })}\n`);
