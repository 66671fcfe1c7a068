// S3 (RED + size): by method and bucket, as the applications see it and as the store reports it.
import type { AlertConfig } from '../config.ts';
import { L, M, S3_CALLS, SOURCES } from '../metrics.ts';
import { type Dashboard, dashboard, labelVar, prom, shareOf, single, ts } from './lib.ts';

const C = M.app.s3ClientDuration;
const B = `${L.bucket}=~"$bucket"`;
const SEL = `${B}, ${L.rpcMethod}=~"$method"`;

export function s3Dashboard(config: AlertConfig): Dashboard {
  return dashboard({
    uid: 'foursignals-s3',
    title: 'foursignals / S3 (RED and size)',
    description:
      'S3 requests, errors and latency by method and bucket as the applications see them ' +
      `(${SOURCES.app.s3ClientDuration.name} from otel-bootstrap, any store), and bucket size and objects from the S3 receiver.`,
    tags: ['red', 's3'],
    variables: [
      labelVar('bucket', `${C}_count{${S3_CALLS}}`, L.bucket, { label: 'Bucket', description: 'aws.s3.bucket' }),
      labelVar('method', `${C}_count{${S3_CALLS}, ${B}}`, L.rpcMethod, {
        label: 'Method',
        description: 'rpc.method (S3 operation)',
      }),
    ],
    items: [
      { row: 'As the applications see it' },
      ts(
        'Requests per second by method',
        [
          prom(
            `sum by (${L.bucket}, ${L.rpcMethod}) (rate(${C}_count{${S3_CALLS}, ${SEL}}[$__rate_interval]))`,
            `{{${L.bucket}}} {{${L.rpcMethod}}}`,
          ),
        ],
        { description: 'S3 calls per second by bucket and operation.', unit: 'reqps' },
      ),
      ts(
        'Requests per second by method and status code',
        [
          prom(
            `sum by (${L.rpcMethod}, ${L.status}) (rate(${C}_count{${S3_CALLS}, ${SEL}}[$__rate_interval]))`,
            `{{${L.rpcMethod}}} {{${L.status}}}`,
          ),
        ],
        {
          description: 'S3 calls by operation and HTTP status code (errors are the 4xx and 5xx series).',
          unit: 'reqps',
          stack: true,
        },
      ),
      ts(
        '5xx ratio by bucket',
        [prom(shareOf(`${C}_count`, `${S3_CALLS}, ${SEL}`, `${L.status}=~"5.."`, L.bucket), `{{${L.bucket}}}`)],
        {
          description: 'Share of S3 calls answered 5xx (alert S3ClientErrorRatioHigh).',
          unit: 'percentunit',
          min: 0,
          threshold: config.s3.errorRatio,
        },
      ),
      ts(
        'p95 latency by method',
        [
          prom(
            `histogram_quantile(0.95, sum by (${L.bucket}, ${L.rpcMethod}, le) (rate(${C}_bucket{${S3_CALLS}, ${SEL}}[$__rate_interval])))`,
            `{{${L.bucket}}} {{${L.rpcMethod}}}`,
          ),
        ],
        {
          description: 'Request latency by bucket and operation, 95th percentile (alert S3LatencyHigh).',
          unit: 's',
          threshold: config.s3.latencyP95Seconds,
        },
      ),
      { row: 'As the store reports it' },
      ts(
        'Bucket size by storage class',
        [
          prom(
            `sum by (${L.bucket}, ${L.storageClass}) (${M.s3.bucketSize}{${B}})`,
            `{{${L.bucket}}} {{${L.storageClass}}}`,
          ),
        ],
        {
          description: `${SOURCES.s3.bucketSize.name}: bytes stored (AWS: daily BucketSizeBytes; S3-compatible: by listing).`,
          unit: 'bytes',
          min: 0,
        },
      ),
      ts('Objects per bucket', [prom(`sum by (${L.bucket}) (${M.s3.bucketObjects}{${B}})`, `{{${L.bucket}}}`)], {
        description: `${SOURCES.s3.bucketObjects.name}: object count per bucket.`,
        min: 0,
      }),
      ts(
        'Store: requests per second by method',
        [
          prom(
            `sum by (${L.bucket}, ${L.rpcMethod}) (rate(${M.s3.bucketRequests}{${B}, ${L.rpcMethod}!="ALL"}[$__rate_interval]))`,
            `{{${L.bucket}}} {{${L.rpcMethod}}}`,
          ),
        ],
        {
          description:
            `${SOURCES.s3.bucketRequests.name} as the store counts them (AWS: CloudWatch request metrics; SeaweedFS: its own ` +
            'request counters), by request kind; includes clients that are not instrumented.',
          unit: 'reqps',
        },
      ),
      ts(
        'Store: 4xx and 5xx per second',
        [
          prom(
            `sum by (${L.bucket}, ${L.statusClass}) (rate(${M.s3.bucketErrors}{${B}}[$__rate_interval]))\n` +
              `or\nsum by (${L.bucket}) (rate(${M.s3.bucketRequests}{${B}, ${L.rpcMethod}="ALL"}[$__rate_interval])) * 0`,
            `{{${L.bucket}}} {{${L.statusClass}}}`,
          ),
        ],
        {
          description:
            `${SOURCES.s3.bucketErrors.name} by status class as the store counts them (0 while the store has answered no error; ` +
            `alert S3StoreErrorRatioHigh above ${config.s3.errorRatio * 100}% 5xx).`,
          unit: 'reqps',
        },
      ),
      single('Total stored', [prom(`sum(${M.s3.bucketSize}{${B}})`)], {
        description: 'Bytes stored in the selected buckets.',
        unit: 'bytes',
        span: 12,
      }),
      single('Total objects', [prom(`sum(${M.s3.bucketObjects}{${B}})`)], {
        description: 'Objects in the selected buckets.',
        span: 12,
      }),
    ],
  });
}
