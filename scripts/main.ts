// `npm start`: the local stack up (installing and building what is missing), then the main job: the simulated
// company under load and the live signals view (`npm run demo -- start`). Ctrl-C stops what this started: the
// company and its load, and the stack too if it was not already running (FOURSIGNALS_KEEP_STACK=1 keeps it).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { endpointsFile } from '../packages/stack/src/endpoints.ts';
import { cacheDir, stateDir } from '../packages/stack/src/paths.ts';

const repo = join(import.meta.dirname, '..');
const cli = join(repo, 'packages', 'stack', 'src', 'cli.ts');

// Ctrl-C reaches the whole foreground process group: this process, the stack's `up`, the build scripts, the demo,
// and whatever our output is piped into (`npm start | tee start.log`). This process outlives all of them and
// cleans up, whatever phase the Ctrl-C hits: hence handlers from the start, and no death by EPIPE when the reader
// of our pipe is gone.
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    interrupted = true;
  });
}
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

/**
 * A terminal is handed to the child as it is (the demo draws its table for a terminal). Anything else (a pipe, a
 * file) is relayed through this process, so a child never writes to a pipe whose reader died either: it would die
 * of EPIPE halfway through its own clean-up.
 */
function stdio(): ['ignore', 'inherit' | 'pipe', 'inherit' | 'pipe'] {
  return ['ignore', process.stdout.isTTY ? 'inherit' : 'pipe', process.stderr.isTTY ? 'inherit' : 'pipe'];
}
function relay(child: ChildProcess): void {
  child.stdout?.on('data', (d: Buffer) => process.stdout.write(d));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
}

function run(command: string, args: string[]): Promise<number> {
  const child = spawn(command, args, { cwd: repo, stdio: stdio() });
  relay(child);
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

const wasUp =
  existsSync(endpointsFile(stateDir())) &&
  spawnSync(process.execPath, [cli, 'status'], { stdio: 'ignore' }).status === 0;

// The two Go builds (minutes each on a first run; cached afterwards) start now, beside the TypeScript build; the
// stack's `up` then waits for them (the scripts take a lock, so nothing is built twice).
for (const script of ['otel-collector/build.sh', 'scripts/build-seaweedfs.sh']) {
  const child = spawn('bash', [join(repo, script)], {
    cwd: repo,
    stdio: ['ignore', 'ignore', stdio()[2]],
    env: { ...process.env, FOURSIGNALS_CACHE_DIR: cacheDir() },
  });
  relay(child);
  child.on('error', () => {});
}

let code = await run(join(repo, 'node_modules', '.bin', 'turbo'), ['run', 'build']);
let upRan = false;
let upOk = false;
if (code === 0 && !interrupted) {
  upRan = true;
  code = await run(process.execPath, [cli, 'up']);
  upOk = code === 0;
}
// The demo's `start` handles Ctrl-C itself (stops the company, then returns); we only wait for it.
if (code === 0 && !interrupted) {
  code = await run(process.execPath, [
    join(repo, 'packages', 'demo', 'dist', 'cli', 'main.js'),
    'start',
    ...process.argv.slice(2),
  ]);
}

// `up` stops what it started when it fails, but not when Ctrl-C ends it halfway: `down` then.
if (upRan && (upOk || interrupted) && !wasUp && process.env.FOURSIGNALS_KEEP_STACK !== '1') {
  console.log('\nstopping the local stack (it was started by npm start; FOURSIGNALS_KEEP_STACK=1 keeps it running)');
  await run(process.execPath, [cli, 'down']);
}
process.exit(code);
