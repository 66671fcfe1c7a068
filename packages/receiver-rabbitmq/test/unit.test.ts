// Fast checks of the pure parts: the exposition-format parser, the x-death reading, selection patterns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSelection } from '../src/config.ts';
import { parsePrometheusText } from '../src/http.ts';
import { firstDeath, RedeliveryFilter, tapQueueName } from '../src/taps.ts';

test('parses samples whose label values hold quotes, backslashes, commas, braces and newlines', () => {
  const text = [
    '# TYPE rabbitmq_detailed_queue_messages_ready gauge',
    'rabbitmq_detailed_queue_messages_ready{vhost="/",queue="plain"} 3',
    'rabbitmq_detailed_queue_messages_ready{vhost="v,1",queue="a \\"b\\" {c}, d\\\\e\\nf"} 42',
    'rabbitmq_detailed_queue_messages_unacked{vhost="/",queue="plain"} 0',
    'rabbitmq_identity_info{rabbitmq_node="rabbit@h"} 1',
    'telemetry_scrape_duration_seconds_count 7',
    '',
  ].join('\n');
  const got = parsePrometheusText(text, (n) => n !== 'rabbitmq_identity_info');
  assert.deepEqual(got, [
    { name: 'rabbitmq_detailed_queue_messages_ready', labels: { vhost: '/', queue: 'plain' }, value: 3 },
    {
      name: 'rabbitmq_detailed_queue_messages_ready',
      labels: { vhost: 'v,1', queue: 'a "b" {c}, d\\e\nf' },
      value: 42,
    },
    { name: 'rabbitmq_detailed_queue_messages_unacked', labels: { vhost: '/', queue: 'plain' }, value: 0 },
    { name: 'telemetry_scrape_duration_seconds_count', labels: {}, value: 7 },
  ]);
});

test('the first x-death entry (the latest death) decides queue and reason; unknown reasons are ignored', () => {
  const headers = {
    'x-death': [
      { queue: 'orders.dlq', reason: 'expired', count: 1 },
      { queue: 'orders', reason: 'rejected', count: 3 },
    ],
  };
  assert.deepEqual(firstDeath({ properties: { headers } }), { queue: 'orders.dlq', reason: 'expired' });
  assert.equal(firstDeath({ properties: { headers: {} } }), undefined);
  assert.equal(firstDeath({ properties: { headers: { 'x-death': [{ queue: 'q', reason: 'other' }] } } }), undefined);
});

test('selection: anchored vhost and queue patterns, exclusions win', () => {
  const s = compileSelection([{ vhost: 'prod', queue: 'orders\\..*' }, { vhost: 'ops' }], [{ queue: '.*\\.tmp' }]);
  assert.equal(s.matches('prod', 'orders.new'), true);
  assert.equal(s.matches('prod', 'xorders.new'), false);
  assert.equal(s.matches('prod', 'orders.new.tmp'), false);
  assert.equal(s.matches('prod2', 'orders.new'), false);
  assert.equal(s.matches('ops', 'anything'), true);
  assert.equal(s.vhostMayMatch('ops'), true);
  assert.equal(s.vhostMayMatch('dev'), false);
  assert.equal(compileSelection().matches('any', 'thing'), true);
});

test('tap queue names are per instance and per dead-letter exchange', () => {
  assert.equal(
    tapQueueName('foursignals.tap', 'rabbitmq/main', 'orders.dlx'),
    'foursignals.tap.rabbitmq_main.orders.dlx',
  );
});

test('a redelivery of a counted message is not counted again; first deliveries always are', () => {
  const f = new RedeliveryFilter(2);
  const msg = (body: string, redelivered: boolean) => ({
    content: Buffer.from(body),
    fields: { redelivered, routingKey: 'orders' },
    properties: {
      headers: { 'x-death': [{ queue: 'orders', reason: 'rejected', count: 1, time: 1_700_000_000n }] },
      messageId: undefined,
      timestamp: undefined,
    },
  });
  assert.equal(f.firstTime(msg('a', false)), true);
  assert.equal(f.firstTime(msg('a', true)), false, 'its ack was lost: delivered again, already counted');
  assert.equal(f.firstTime(msg('a', false)), true, 'an identical new dead letter is a new message');
  assert.equal(f.firstTime(msg('b', true)), true, 'redelivered but never counted (in flight when the link broke)');
  assert.equal(f.firstTime(msg('c', false)), true);
  assert.equal(f.firstTime(msg('a', true)), true, 'forgotten: only the last `capacity` messages are remembered');
});
