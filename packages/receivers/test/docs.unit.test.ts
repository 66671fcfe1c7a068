import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HEALTH_METRICS } from '@foursignals/receiver-core';
import { metricReference } from '../src/docs.ts';
import { RECEIVER_FACTORIES } from '../src/registry.ts';

test('METRICS.md matches the metric tables (regenerate: npm run docs -w packages/receivers)', () => {
  const committed = readFileSync(new URL('../METRICS.md', import.meta.url), 'utf8');
  assert.equal(committed, metricReference(RECEIVER_FACTORIES));
});

test('metric names are unique across receivers and dotted lower case', () => {
  const names = [HEALTH_METRICS, ...RECEIVER_FACTORIES.map((f) => f.metrics)].flatMap((t) =>
    Object.values(t).map((m) => m.name),
  );
  assert.equal(new Set(names).size, names.length, `duplicates in ${names.join(', ')}`);
  for (const name of names) assert.match(name, /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/);
});
