import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { README, withTable } from '../scripts/metric-table.ts';

test('the README metric reference is generated from src/metrics.ts (run scripts/metric-table.ts --write)', () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(readme, withTable(readme));
});
