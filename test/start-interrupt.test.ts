// Ctrl-C on `npm start | tee start.log` stops everything `npm start` started (issue 15). A terminal's Ctrl-C sends
// SIGINT to its whole foreground process group: npm, scripts/main.ts, the demo, and `tee`, which dies at once and
// leaves the others writing into a pipe without a reader. Here the same pipeline runs in its own process group
// with its own state directory and ports (the environment's offset + 500), gets SIGINT once the first signals table
// is out, and every process of the stack and the company (their pid files, read before the Ctrl-C) must be gone.
//
// Needs the build cache (collector, SeaweedFS): a first run builds them, which takes minutes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const repo = join(import.meta.dirname, '..');
const cli = join(repo, 'packages', 'stack', 'src', 'cli.ts');
const state = mkdtempSync('/var/tmp/foursignals-interrupt-');
chmodSync(state, 0o755); // PostgreSQL runs as `postgres` and must traverse it
const offset = Number(process.env.FOURSIGNALS_PORT_OFFSET ?? 0) + 500;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  FOURSIGNALS_STATE_DIR: state,
  FOURSIGNALS_PORT_OFFSET: String(offset),
  FOURSIGNALS_KEEP_STACK: '0',
};

/** Every pid file under the state directory (the stack's run/*.pid, the demo's): name -> pid. */
function pidFiles(dir: string, out: Record<string, number> = {}): Record<string, number> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) pidFiles(path, out);
    else if (entry.name.endsWith('.pid')) {
      const pid = Number.parseInt(readFileSync(path, 'utf8').trim().split('\n')[0] ?? '', 10);
      if (pid > 0) out[path.slice(state.length + 1)] = pid;
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

after(() => {
  // Whatever the outcome, leave nothing running.
  if (existsSync(state)) {
    for (const pid of Object.values(pidFiles(state))) if (alive(pid)) spawnSync('kill', ['--', `-${pid}`]);
    spawnSync(process.execPath, [cli, 'down'], { env, stdio: 'ignore' });
    rmSync(state, { recursive: true, force: true });
  }
});

test('Ctrl-C on `npm run main | tee start.log` stops every process npm started', async () => {
  const log = join(state, 'start.log');
  // detached: its own process group, like a terminal's foreground job.
  const job = spawn('bash', ['-c', `npm run main -- --rate 5 | tee ${log}`], {
    cwd: repo,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  job.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  job.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => job.on('close', () => resolve()));

  // Up to the first table (a first run on an empty build cache builds the collector and SeaweedFS first).
  const deadline = Date.now() + 30 * 60_000;
  while (!out.includes("the seed's signals, live from Prometheus") && Date.now() < deadline) {
    if (job.exitCode !== null) assert.fail(`npm run main exited early:\n${out.slice(-3000)}`);
    await sleep(1000);
  }
  assert.ok(out.includes("the seed's signals"), `no signals table:\n${out.slice(-3000)}`);

  const pids = pidFiles(state);
  const names = Object.keys(pids);
  // The whole stack (run/<service>.pid) and the company (the demo's pid files) are there to be stopped.
  // PostgreSQL keeps its own pid file (postgres/data/postmaster.pid); the others are in run/.
  for (const service of ['prometheus', 'postgres', 'rabbitmq', 'collector', 'receivers', 'seaweedfs']) {
    assert.ok(
      names.some((n) => n.includes(service)),
      `no pid file for ${service}: ${names.join(', ')}`,
    );
  }
  assert.ok(
    names.some((n) => n.startsWith('demo/')),
    `no pid file of the company: ${names.join(', ')}`,
  );
  assert.deepEqual(
    names.filter((n) => !alive(pids[n] as number)),
    [],
    'a process was gone before the Ctrl-C',
  );

  process.kill(-(job.pid as number), 'SIGINT');

  const stopBy = Date.now() + 3 * 60_000;
  let running = names.filter((n) => alive(pids[n] as number));
  while (running.length > 0 && Date.now() < stopBy) {
    await sleep(1000);
    running = names.filter((n) => alive(pids[n] as number));
  }
  assert.deepEqual(running, [], `still running after Ctrl-C:\n${readFileSync(log, 'utf8').slice(-2000)}`);
  await exited;
});
