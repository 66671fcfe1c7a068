// `npm start`: the local stack up (installing and building what is missing), then the main job: the simulated
// company under load and the live signals view (`npm run demo -- start`). Ctrl-C stops what this started: the
// company and its load, and the stack too if it was not already running (FOURSIGNALS_KEEP_STACK=1 keeps it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { endpointsFile } from '../packages/stack/src/endpoints.ts';
import { stateDir } from '../packages/stack/src/paths.ts';

const repo = join(import.meta.dirname, '..');
const cli = join(repo, 'packages', 'stack', 'src', 'cli.ts');
const wasUp =
  existsSync(endpointsFile(stateDir())) &&
  spawnSync(process.execPath, [cli, 'status'], { stdio: 'ignore' }).status === 0;

const up = spawnSync(process.execPath, [cli, 'up'], { stdio: 'inherit', cwd: repo });
if (up.status !== 0) process.exit(up.status ?? 1);

// The demo's `start` handles SIGINT itself (stops the company, then returns); we only wait for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const demo = spawn(
  process.execPath,
  [join(repo, 'packages', 'demo', 'dist', 'cli', 'main.js'), 'start', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: repo,
  },
);
const code: number = await new Promise((resolve) => demo.on('close', (c) => resolve(c ?? 0)));

if (!wasUp && process.env.FOURSIGNALS_KEEP_STACK !== '1') {
  console.log('\nstopping the local stack (it was started by npm start; FOURSIGNALS_KEEP_STACK=1 keeps it running)');
  spawnSync(process.execPath, [cli, 'down'], { stdio: 'inherit', cwd: repo });
}
process.exit(code);
