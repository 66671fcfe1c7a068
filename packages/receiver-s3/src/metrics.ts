// The S3 receiver's metrics, declared once. Instruments, the README's metric reference and dashboards derive
// from this table; code refers to metrics and attributes only through these constants.
import type { MetricTable } from '@foursignals/receiver-core';

export const ATTR_BUCKET = 'aws.s3.bucket';
export const ATTR_STORAGE_CLASS = 's3.storage_class';
export const ATTR_RPC_METHOD = 'rpc.method';
export const ATTR_STATUS_CLASS = 'http.response.status_class';
export const ATTR_LATENCY_KIND = 's3.latency.kind';
export const ATTR_STATISTIC = 'statistic';

export const STATUS_CLASSES = ['4xx', '5xx'] as const;
export const LATENCY_KINDS = ['first_byte', 'total'] as const;

export const METRICS = {
  bucketSize: {
    name: 's3.bucket.size',
    instrument: 'gauge',
    unit: 'By',
    description:
      'Bytes stored in the bucket, by storage class. AWS mode: the daily BucketSizeBytes storage metric; ' +
      'listing mode: the sum of object sizes from the last complete listing.',
    attributes: {
      [ATTR_BUCKET]: { description: 'Bucket name.' },
      [ATTR_STORAGE_CLASS]: {
        description:
          'S3 storage class as the S3 API names it (STANDARD, STANDARD_IA, GLACIER, ...); CloudWatch storage ' +
          'types without an S3 API name are passed through unchanged.',
      },
    },
    enabled: true,
    upstream: {
      from: 'AWS CloudWatch AWS/S3',
      name: 'BucketSizeBytes',
      note: 'contrib has no S3 metrics receiver; CloudWatch names are not OTel names',
    },
  },
  bucketObjects: {
    name: 's3.bucket.objects',
    instrument: 'gauge',
    unit: '{object}',
    description:
      'Objects in the bucket. AWS mode: the daily NumberOfObjects storage metric (all storage types); listing ' +
      'mode: the object count of the last complete listing.',
    attributes: { [ATTR_BUCKET]: { description: 'Bucket name.' } },
    enabled: true,
    upstream: { from: 'AWS CloudWatch AWS/S3', name: 'NumberOfObjects', note: 'as for the size' },
  },
  bucketRequests: {
    name: 's3.bucket.requests',
    instrument: 'counter',
    unit: '{request}',
    description:
      'Requests to the bucket. AWS mode: the 1-minute CloudWatch request metrics summed since the receiver ' +
      "started (needs a request-metrics filter on the bucket); S3-compatible mode: the store's own request " +
      'counter. `rpc.method="ALL"` is the total: exclude it when summing over methods.',
    attributes: {
      [ATTR_BUCKET]: { description: 'Bucket name.' },
      [ATTR_RPC_METHOD]: {
        description:
          'Request kind, as the source counts them: CloudWatch GetRequests -> GET, PutRequests -> PUT, ... ' +
          '(GET, PUT, DELETE, HEAD, POST, LIST, SELECT); SeaweedFS its request types (GET, PUT, DELETE, POST, ' +
          'LIST, COPY, ...); ALL = every request.',
      },
    },
    enabled: true,
    upstream: {
      from: 'AWS CloudWatch AWS/S3',
      name: 'AllRequests, GetRequests, ...',
      note: 'one metric, the request kind in `rpc.method`',
    },
  },
  bucketErrors: {
    name: 's3.bucket.errors',
    instrument: 'counter',
    unit: '{request}',
    description:
      'Requests to the bucket answered with a 4xx or 5xx status (AWS mode: 4xxErrors and 5xxErrors summed since ' +
      "the receiver started; S3-compatible mode: the store's own counter).",
    attributes: {
      [ATTR_BUCKET]: { description: 'Bucket name.' },
      [ATTR_STATUS_CLASS]: { description: 'HTTP status class.', values: STATUS_CLASSES },
    },
    enabled: true,
    upstream: {
      from: 'AWS CloudWatch AWS/S3',
      name: '4xxErrors, 5xxErrors',
      note: 'one metric, the class in `http.response.status_class`',
    },
  },
  bucketRequestLatency: {
    name: 's3.bucket.request.latency',
    instrument: 'gauge',
    unit: 's',
    description:
      'Request latency as the server measured it: first_byte = time to first byte, total = whole request. AWS ' +
      'mode: FirstByteLatency / TotalRequestLatency of the newest complete period, `statistic` = the CloudWatch ' +
      'statistic (Average, p99, ...); S3-compatible mode: the mean over the requests since the previous scrape ' +
      '(`statistic` = Average).',
    attributes: {
      [ATTR_BUCKET]: { description: 'Bucket name.' },
      [ATTR_LATENCY_KIND]: { description: 'Which latency.', values: LATENCY_KINDS },
      [ATTR_STATISTIC]: { description: 'CloudWatch statistic, e.g. Average or p99.' },
    },
    enabled: true,
    upstream: {
      from: 'AWS CloudWatch AWS/S3',
      name: 'FirstByteLatency, TotalRequestLatency',
      note: 'one metric, which latency in `s3.latency.kind`; seconds, not milliseconds',
    },
  },
  listingTruncated: {
    name: 's3.bucket.listing.truncated',
    instrument: 'gauge',
    // An annotation, not `1`: a gauge with unit 1 would become `..._truncated_ratio` in Prometheus.
    unit: '{status}',
    description:
      'Listing mode: 1 when the bucket could not be listed completely within the scrape time budget (the ' +
      'listing resumes on the next scrape; size and object count stay at the last complete listing, or are ' +
      'absent until one completes), else 0.',
    attributes: { [ATTR_BUCKET]: { description: 'Bucket name.' } },
    enabled: true,
  },
} as const satisfies MetricTable;
