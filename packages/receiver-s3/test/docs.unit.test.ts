import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readmeWithMetrics } from '../scripts/metrics-doc.ts';

test('the README metric reference matches the metric table (run scripts/metrics-doc.ts --write)', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.equal(readme, readmeWithMetrics(readme));
});
