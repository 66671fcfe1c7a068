// The README's metric reference is generated from the metric table: fail on drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readmeWithMetrics } from '../scripts/metrics-doc.ts';

test('README metric reference matches src/metrics.ts (node scripts/metrics-doc.ts --write)', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.equal(readme, readmeWithMetrics(readme));
});
