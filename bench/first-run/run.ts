// The first `npm start` on a fresh machine (docs/benchmarks.md, "First run"): runs `npm start` with an empty
// build cache (FOURSIGNALS_CACHE_DIR) and empty Go caches (GOCACHE, GOMODCACHE), so both Go builds start from
// nothing, and times every output line until the first signals table. Then it presses Ctrl-C (SIGINT to the
// process group, as a terminal does) and waits until `npm start` has stopped what it started.
//
//   node bench/first-run/run.ts [--label before] [--root /var/tmp/foursignals-first-run]
//
// Uses the stack of FOURSIGNALS_STATE_DIR / FOURSIGNALS_PORT_OFFSET (the stack must be down). The machine's Debian
// packages are not removed, so apt's share is not in this figure: it is measured separately (see benchmarks.md).
// Writes <root>/<label>/start.log (every line with its offset in seconds) and prints a JSON summary.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    label: { type: 'string', default: 'run' },
    root: { type: 'string', default: '/var/tmp/foursignals-first-run' },
  },
});
const repo = join(import.meta.dirname, '..', '..');
const dir = join(values.root, values.label);
// Go marks module-cache files read-only; make them writable so a rerun can start from empty again.
spawnSync('chmod', ['-R', 'u+w', dir], { stdio: 'ignore' });
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const env = {
  ...process.env,
  FOURSIGNALS_CACHE_DIR: join(dir, 'cache'),
  GOCACHE: join(dir, 'go-build'),
  GOMODCACHE: join(dir, 'go-mod'),
  FORCE_COLOR: '0',
};
const loadavg = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const loads: number[] = [loadavg()];
const sampler = setInterval(() => loads.push(loadavg()), 15_000);

const t0 = performance.now();
const at = (): number => Math.round((performance.now() - t0) / 100) / 10;
// Its own process group (detached), so SIGINT reaches npm and everything under it, like Ctrl-C in a terminal.
const child = spawn('npm', ['start'], { cwd: repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
const log = join(dir, 'start.log');
const marks: Record<string, number> = {};
let firstTable: number | undefined;
const MARKERS: [string, RegExp][] = [
  ['npm install done', /^> foursignals@.* main$/],
  ['turbo build done', /Tasks:\s+\d+ successful/],
  ['collector build started', /^collector: (installing|building)/],
  ['collector built', /^collector: built in/],
  ['seaweedfs build started', /^seaweedfs: building/],
  ['seaweedfs built', /^seaweedfs: built in/],
  ['stack up', /^stack up in/],
];
const onLine = (line: string): void => {
  const t = at();
  appendFileSync(log, `${t.toFixed(1).padStart(7)}  ${line}\n`);
  for (const [name, re] of MARKERS) if (marks[name] === undefined && re.test(line.trim())) marks[name] = t;
  if (firstTable === undefined && line.includes("the seed's signals, live from Prometheus")) {
    firstTable = t;
    // Let the table finish printing, then Ctrl-C.
    setTimeout(() => process.kill(-(child.pid as number), 'SIGINT'), 2_000);
  }
};
createInterface({ input: child.stdout }).on('line', onLine);
createInterface({ input: child.stderr }).on('line', onLine);
const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
const total = at();
clearInterval(sampler);

console.log(
  JSON.stringify(
    {
      label: values.label,
      date: new Date().toISOString(),
      cores: cpus().length,
      loadavg_1m: {
        min: Math.min(...loads),
        mean: Math.round((loads.reduce((a, b) => a + b, 0) / loads.length) * 10) / 10,
        max: Math.max(...loads),
      },
      first_table_s: firstTable ?? null,
      marks,
      exit_code: code,
      stopped_after_s: total,
      log,
    },
    null,
    1,
  ),
);
process.exit(firstTable === undefined ? 1 : 0);
