// Every query of the signals table parses as PromQL (promtool, offline): the queries are assembled from the
// emitters' metric tables, so a broken template shows here before the view shows an error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promqlNow, SIGNALS } from '../src/signals/table.ts';

test('every signal query is valid PromQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signals-promql-'));
  try {
    const file = join(dir, 'signals.json');
    const rules = SIGNALS.map((s, i) => ({ record: `signal:query:${i}`, expr: promqlNow(s.promql) }));
    // promtool reads rule files as YAML, and JSON is YAML
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'signals', rules }] }));
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    if (r.error) throw new Error(`promtool not runnable (${r.error.message}): install Debian's prometheus package`);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${SIGNALS.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
