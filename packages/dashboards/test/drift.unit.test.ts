// Generated files are committed; this fails when they differ from what the code and config generate now
// (fix: `npm run generate -w packages/dashboards` and commit the result).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DASHBOARDS_DIR, REPO_ROOT, RULES_DIR, renderAll, writeAll } from '../src/generate.ts';

test('the committed rules, dashboards and provisioning files are what the generator writes', () => {
  const out = mkdtempSync(join(tmpdir(), 'foursignals-dashboards-'));
  try {
    const files = renderAll(REPO_ROOT);
    const written = writeAll(out, files);
    assert.ok(written.length >= 14, `only ${written.length} files generated`);
    const drifted: string[] = [];
    for (const path of written) {
      const committed = join(REPO_ROOT, path);
      if (!existsSync(committed)) drifted.push(`${path}: missing (not generated into the repository)`);
      else if (readFileSync(committed, 'utf8') !== readFileSync(join(out, path), 'utf8'))
        drifted.push(`${path}: differs`);
    }
    for (const dir of [RULES_DIR, DASHBOARDS_DIR]) {
      for (const name of readdirSync(join(REPO_ROOT, dir))) {
        if (!files.has(`${dir}/${name}`)) drifted.push(`${dir}/${name}: not generated any more (delete it)`);
      }
    }
    assert.deepEqual(drifted, [], 'generated files drifted; run `npm run generate -w packages/dashboards` and commit');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
