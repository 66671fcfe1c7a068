// The one Prometheus text parser of the receivers (RabbitMQ's plugin, SeaweedFS's metrics), whole and streamed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PrometheusSample, PrometheusTextScanner, parsePrometheusText } from '../src/prometheus-text.ts';

const TEXT = [
  '# HELP x y',
  '# TYPE rabbitmq_detailed_queue_messages_ready gauge',
  'rabbitmq_detailed_queue_messages_ready{vhost="/",queue="plain"} 3',
  'rabbitmq_detailed_queue_messages_ready{vhost="v,1",queue="a \\"b\\" {c}, d\\\\e\\nf"} 42',
  'SeaweedFS_s3_request_total{bucket="a",code="404",type="GET"} 2 1700000000000',
  'rabbitmq_identity_info{rabbitmq_node="rabbit@h"} 1',
  'up 1',
  'h_bucket{le="+Inf"} +Inf',
  'g -Inf',
  '',
].join('\n');

const EXPECTED: PrometheusSample[] = [
  { name: 'rabbitmq_detailed_queue_messages_ready', labels: { vhost: '/', queue: 'plain' }, value: 3 },
  {
    name: 'rabbitmq_detailed_queue_messages_ready',
    labels: { vhost: 'v,1', queue: 'a "b" {c}, d\\e\nf' },
    value: 42,
  },
  { name: 'SeaweedFS_s3_request_total', labels: { bucket: 'a', code: '404', type: 'GET' }, value: 2 },
  { name: 'up', labels: {}, value: 1 },
  { name: 'h_bucket', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
  { name: 'g', labels: {}, value: Number.NEGATIVE_INFINITY },
];

test('reads names, labels with quotes, backslashes, commas, braces and newlines, timestamps and infinities', () => {
  assert.deepEqual(
    parsePrometheusText(TEXT, (n) => n !== 'rabbitmq_identity_info'),
    EXPECTED,
  );
});

test('streamed in chunks cut anywhere, it reads the same samples as the whole text', () => {
  for (const size of [1, 2, 7, 64, TEXT.length]) {
    const got: PrometheusSample[] = [];
    const scanner = new PrometheusTextScanner(
      (n) => n !== 'rabbitmq_identity_info',
      (name, labels, value) => got.push({ name, labels: { ...labels }, value }),
    );
    for (let i = 0; i < TEXT.length; i += size) scanner.push(TEXT.slice(i, i + size));
    scanner.end();
    assert.deepEqual(got, EXPECTED, `chunks of ${size}`);
  }
});

test('a last line without a newline is read at the end', () => {
  const got: string[] = [];
  const scanner = new PrometheusTextScanner(
    () => true,
    (name) => got.push(name),
  );
  scanner.push('a 1\nb 2');
  assert.deepEqual(got, ['a']);
  scanner.end();
  assert.deepEqual(got, ['a', 'b']);
});
