// Fast checks of the pure parts: the x-death reading, selection patterns, tap names, the redelivery filter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSelection } from '../src/config.ts';
import { firstDeath, RedeliveryFilter, tapQueueName } from '../src/taps.ts';

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
