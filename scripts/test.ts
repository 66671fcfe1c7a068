// `npm test`: bring the local stack up (installing what is missing), run every package's tests and the end-to-end
// tests one package at a time (they share one stack and some restart its daemons), print one summary line.
// The stack is left as it was found: stopped again if this run started it (FOURSIGNALS_KEEP_STACK=1 keeps it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { endpointsFile } from '../packages/stack/src/endpoints.ts';
import { installPackages } from '../packages/stack/src/install.ts';
import { installNodeVersions } from '../packages/stack/src/node-versions.ts';
import { stateDir } from '../packages/stack/src/paths.ts';

const repo = join(import.meta.dirname, '..');
const cli = join(repo, 'packages', 'stack', 'src', 'cli.ts');
const wasUp =
  existsSync(endpointsFile(stateDir())) &&
  spawnSync(process.execPath, [cli, 'status'], { stdio: 'ignore' }).status === 0;

// Test-only prerequisites (the stack installs its own): redis-server for otel-bootstrap's shared DAU store test,
// chromium for the signals page's browser test (driven by playwright-core), openssl for the OTLP mTLS test's
// throw-away certificates (not on every minimal Debian), and the extra Node versions of
// otel-bootstrap's compatibility test (with this npm and its configuration, into the cache dir).
try {
  installPackages(['redis-server', 'chromium', 'openssl'], (m) => console.log(m));
  installNodeVersions(undefined, (m) => console.log(`npm test: ${m}`));
} catch (err) {
  console.error(`npm test: ${(err as Error).message}`);
  process.exit(1);
}

const upResult = spawnSync(process.execPath, [cli, 'up'], { stdio: 'inherit', cwd: repo });
if (upResult.status !== 0) {
  console.error('npm test: the local stack did not come up (see above); no test was run.');
  process.exit(upResult.status ?? 1);
}

const filter = process.argv.slice(2).flatMap((f) => ['--filter', f]);
const turbo = spawn(
  join(repo, 'node_modules', '.bin', 'turbo'),
  ['run', 'test', '--concurrency=1', '--log-order=stream', '--continue', ...filter],
  {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let passed = 0;
let failed = 0;
let cancelled = 0;
let buffered = '';
// What failed, kept to be printed again at the very end: CI shows only the tail of a long run. The lines that say
// so, and the node test runner's "failing tests" section (each failure with its error) of every package.
const failures: string[] = [];
const FAILURE_LINE = /✖|\bnot ok\b|ℹ cancelled [1-9]| ERROR {2}|exited \(\d+\)/;
let failingSection = 0;
turbo.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  buffered += chunk.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) {
    const m = /# (pass|fail) (\d+)\s*$/.exec(line) ?? /^\s*(?:\S+: )?ℹ (pass|fail) (\d+)\s*$/.exec(line);
    if (m?.[1] === 'pass') passed += Number(m[2]);
    if (m?.[1] === 'fail') failed += Number(m[2]);
    const c = /^\s*(?:\S+: )?ℹ cancelled (\d+)\s*$/.exec(line);
    if (c) cancelled += Number(c[1]);
    if (line.includes('✖ failing tests:')) failingSection = 40;
    if ((failingSection-- > 0 || FAILURE_LINE.test(line)) && failures.length < 300) failures.push(line);
  }
});
const code: number = await new Promise((resolve) => turbo.on('close', (c) => resolve(c ?? 1)));

if (!wasUp && process.env.FOURSIGNALS_KEEP_STACK !== '1')
  spawnSync(process.execPath, [cli, 'down'], { stdio: 'inherit', cwd: repo });
if (failures.length > 0) console.log(`\nwhat failed (again, from above):\n${failures.join('\n')}`);
console.log(`\ntests: ${passed} passed, ${failed} failed${cancelled > 0 ? `, ${cancelled} cancelled` : ''}`);
process.exit(code !== 0 || failed > 0 || cancelled > 0 ? 1 : passed === 0 ? 1 : 0);
