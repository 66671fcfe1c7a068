// Our own collector components (otel-collector/components/*, Go modules compiled into the distribution by the
// builder's `path:` entries): their Go tests and `go vet` pass, and every one of them is in the builder manifest.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const collectorDir = fileURLToPath(new URL('../../../otel-collector/', import.meta.url));
const components = readdirSync(join(collectorDir, 'components'));
const env = { ...process.env, PATH: `/usr/local/go/bin:${process.env.PATH}` };

function go(dir: string, ...args: string[]) {
  const r = spawnSync('go', args, { cwd: dir, env, encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `go ${args.join(' ')} in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('our collector components', () => {
  it('exist', () => assert.ok(components.length > 0, 'otel-collector/components is empty'));
  for (const name of components) {
    const dir = join(collectorDir, 'components', name);
    it(`${name}: go vet and go test pass`, () => {
      go(dir, 'vet', './...');
      assert.match(go(dir, 'test', '-count=1', './...'), /^ok\s/m);
    });
    it(`${name}: is built into the distribution from this folder`, () => {
      const manifest = readFileSync(join(collectorDir, 'builder-config.yaml'), 'utf8');
      assert.ok(
        manifest.includes(`path: ./components/${name}\n`),
        `builder-config.yaml has no "path: ./components/${name}"`,
      );
    });
  }
});
