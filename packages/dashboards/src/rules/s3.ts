// S3 (RED): errors and latency as the applications see them (any store) and as the store counts them.
import type { AlertConfig } from '../config.ts';
import { L, M, S3_CALLS } from '../metrics.ts';
import { alert, num, type RuleFile, recordName } from './common.ts';

const C = M.app.s3ClientDuration;

export function s3Rules(config: AlertConfig): RuleFile {
  const s = config.s3;
  return {
    name: 's3',
    groups: [
      {
        name: 'foursignals-s3',
        rules: [
          {
            record: recordName([L.bucket, L.rpcMethod, L.status], `${C}_count`, 'rate5m'),
            expr: `sum by (${L.bucket}, ${L.rpcMethod}, ${L.status}) (rate(${C}_count{${S3_CALLS}}[5m]))`,
          },
          {
            record: recordName([L.bucket, L.rpcMethod], C, 'p95_5m'),
            expr: `histogram_quantile(0.95, sum by (${L.bucket}, ${L.rpcMethod}, le) (rate(${C}_bucket{${S3_CALLS}}[5m])))`,
          },
          {
            record: recordName([L.bucket, L.rpcMethod], M.s3.bucketRequests, 'rate5m'),
            expr: `sum by (${L.bucket}, ${L.rpcMethod}) (rate(${M.s3.bucketRequests}[5m]))`,
          },

          // alerts after the records they read: rules in one group run in order, so they see this round's values
          alert(config, {
            alert: 'S3ClientErrorRatioHigh',
            expr:
              `sum by (${L.bucket}) (rate(${C}_count{${S3_CALLS}, ${L.status}=~"5.."}[5m]))\n/\n` +
              `sum by (${L.bucket}) (rate(${C}_count{${S3_CALLS}}[5m]))\n> ${num(s.errorRatio)}`,
            for: '5m',
            severity: 'warning',
            summary: '{{ $value | humanizePercentage }} of S3 calls to {{ $labels.aws_s3_bucket }} fail with 5xx',
            description:
              `More than ${num(s.errorRatio * 100)}% of the applications' S3 calls to bucket ` +
              `{{ $labels.${L.bucket} }} have been answered 5xx for 5 minutes: the store is failing or throttling.`,
          }),
          alert(config, {
            alert: 'S3StoreErrorRatioHigh',
            expr:
              `sum by (${L.bucket}) (rate(${M.s3.bucketErrors}{${L.statusClass}="5xx"}[5m]))\n/\n` +
              `sum by (${L.bucket}) (rate(${M.s3.bucketRequests}{${L.rpcMethod}="ALL"}[5m]))\n> ${num(s.errorRatio)}`,
            for: '5m',
            severity: 'warning',
            summary:
              'The S3 store answers {{ $value | humanizePercentage }} of requests to {{ $labels.aws_s3_bucket }} with 5xx',
            description:
              `The store's own request metrics show more than ${num(s.errorRatio * 100)}% 5xx for bucket ` +
              `{{ $labels.${L.bucket} }} over 5 minutes.`,
          }),
          alert(config, {
            alert: 'S3LatencyHigh',
            expr:
              `histogram_quantile(0.95, sum by (${L.bucket}, ${L.rpcMethod}, le) (rate(${C}_bucket{${S3_CALLS}}[5m])))` +
              ` > ${num(s.latencyP95Seconds)}`,
            for: '10m',
            severity: 'warning',
            summary: `S3 {{ $labels.${L.rpcMethod} }} on {{ $labels.aws_s3_bucket }} is slow`,
            description:
              `The 95th percentile of {{ $labels.${L.rpcMethod} }} calls to {{ $labels.${L.bucket} }} is ` +
              `{{ $value | humanizeDuration }}, above ${num(s.latencyP95Seconds)}s, for 10 minutes.`,
          }),
        ],
      },
    ],
  };
}
