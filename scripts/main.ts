// `npm start`: the local stack up, then the main job. Until the simulated company exists this is a small emitter
// that sends a heartbeat through the collector, and a printout of the endpoints. Ctrl-C stops what this started.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..');
const cli = join(repo, 'packages', 'stack', 'src', 'cli.ts');

const up = spawnSync(process.execPath, [cli, 'up'], { stdio: 'inherit', cwd: repo });
if (up.status !== 0) process.exit(up.status ?? 1);
spawnSync(process.execPath, [cli, 'status'], { stdio: 'inherit', cwd: repo });

const { startHeartbeat } = await import('./heartbeat.ts');
await startHeartbeat();
