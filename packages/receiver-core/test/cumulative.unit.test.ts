import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CounterDeltas, CumulativeCounters } from '../src/cumulative.ts';
import { parseDuration } from '../src/duration.ts';
import { targetOf } from '../src/target.ts';

test('CumulativeCounters: starts at the first reading, then adds non-negative deltas', () => {
  const c = new CumulativeCounters();
  assert.equal(c.update('x', 100), 100);
  assert.equal(c.update('x', 130), 130);
  // a reset: the source went back to 0 and counted 5 since; the total moves by 5, never down, never a spike
  assert.equal(c.update('x', 5), 135);
  assert.equal(c.update('x', 5), 135);
});

test('CumulativeCounters: a changed epoch is a reset even when the reading is above the old one', () => {
  const c = new CumulativeCounters();
  assert.equal(c.update('x', 10, 'reset-1'), 10);
  assert.equal(c.update('x', 40, 'reset-2'), 50);
  assert.equal(c.update('x', 45, 'reset-2'), 55);
});

test('CounterDeltas: an entry that disappears (evicted) and comes back counts only its new calls', () => {
  const d = new CounterDeltas();
  d.begin();
  assert.equal(d.delta('a', 50), 50);
  assert.equal(d.delta('b', 7), 7);
  d.sweep();
  d.begin();
  assert.equal(d.delta('b', 9), 2); // a was evicted
  d.sweep();
  assert.equal(d.size, 1);
  d.begin();
  assert.equal(d.delta('a', 3), 3); // a is back with 3 calls since
  assert.equal(d.delta('b', 9), 0);
  d.sweep();
  assert.equal(d.size, 2);
});

test('parseDuration and targetOf', () => {
  assert.equal(parseDuration('15s'), 15_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.throws(() => parseDuration('15'), /expected a duration like 15s/);
  assert.equal(targetOf('postgresql://u:secret@db.example:6432/postgres'), 'db.example:6432');
  assert.equal(targetOf('postgresql://u:secret@db.example/postgres', 5432), 'db.example:5432');
});
