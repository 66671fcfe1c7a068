import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { README, withTable } from '../scripts/metric-table.ts';

// Table padding is the formatter's business: compare cell contents only.
const normalize = (text: string) =>
  text
    .split('\n')
    .map((l) => (l.startsWith('|') ? l.replace(/\s*\|\s*/g, '|').replace(/-{3,}/g, '---') : l))
    .join('\n');

test('the README metric reference is generated from src/metrics.ts (run scripts/metric-table.ts --write)', () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(normalize(readme), normalize(withTable(readme)));
});
