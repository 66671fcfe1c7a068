import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAlive } from '../src/daemon.ts';
import { installPackages } from '../src/install.ts';
import { PORTS } from '../src/ports.ts';
import type { Service, StackContext } from '../src/services/service.ts';
import { up } from '../src/stack.ts';

const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
const freshState = () => {
  const dir = mkdtempSync(join(tmpdir(), 'foursignals-state-'));
  chmodSync(dir, 0o755); // the postgres OS user must traverse it
  return dir;
};

describe('port plan', () => {
  it('has unique ports below the ephemeral range', () => {
    const ports = Object.values(PORTS);
    assert.equal(new Set(ports).size, ports.length);
    for (const p of ports) assert.ok(p >= 1024 && p < 32768, `${p}`);
  });
  it('rejects a bad FOURSIGNALS_PORT_OFFSET with a message naming it', () => {
    const r = run(['ports'], { FOURSIGNALS_PORT_OFFSET: 'ten' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /FOURSIGNALS_PORT_OFFSET=ten: expected an integer/);
  });
});

describe('up', () => {
  const fake = (name: string, calls: string[], opts: { failStart?: boolean } = {}): Service => {
    let up = false;
    return {
      name,
      debianPackages: [],
      ports: [],
      prepare: async () => {},
      start: async () => {
        calls.push(`start ${name}`);
        if (opts.failStart) throw new Error(`${name} refused to start`);
        up = true;
      },
      ready: async () => up,
      running: () => up,
      stop: async () => {
        calls.push(`stop ${name}`);
        up = false;
      },
      logFile: () => '/dev/null',
      endpoints: () => ({}),
    };
  };

  it('on a failure stops what it had started, in reverse order, and names the failing service', async () => {
    const calls: string[] = [];
    const state = freshState();
    const ctx: StackContext = { state, cache: state, repo: state, log: () => {} };
    await assert.rejects(
      up(ctx, [fake('a', calls), fake('b', calls), fake('c', calls, { failStart: true })]),
      /c refused to start/,
    );
    assert.deepEqual(calls, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    rmSync(state, { recursive: true, force: true });
  });

  // The timeout only ends the deadlock that a one-after-the-other `up` would be.
  it('runs every install at once (the Go builds beside each other), and a failed one starts nothing', {
    timeout: 60_000,
  }, async () => {
    const calls: string[] = [];
    const state = freshState();
    const ctx: StackContext = { state, cache: state, repo: state, log: () => {} };
    // a's install finishes only once b's has started: one after the other, up would never return.
    let bStarted: () => void = () => {};
    const bGo = new Promise<void>((resolve) => {
      bStarted = resolve;
    });
    const a = fake('a', calls);
    a.install = async () => {
      await bGo;
      calls.push('install a');
    };
    const b = fake('b', calls);
    b.install = async () => {
      bStarted();
      calls.push('install b');
    };
    await up(ctx, [a, b]);
    assert.deepEqual(calls, ['install b', 'install a', 'start a', 'start b']);

    const c = fake('c', calls);
    c.install = async () => {
      throw new Error('c: the build failed');
    };
    const d = fake('d', calls);
    calls.length = 0;
    await assert.rejects(up(ctx, [c, d]), /c: the build failed/);
    assert.deepEqual(calls, []);
    rmSync(state, { recursive: true, force: true });
  });

  it('names a Debian package that cannot be installed', () => {
    assert.throws(() => installPackages(['foursignals-no-such-package'], () => {}), /foursignals-no-such-package/);
  });

  it('refuses a port already taken by another process, naming port and service, and starts nothing', async () => {
    const state = freshState();
    const offset = '200';
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(PORTS.alertmanager + 200, '127.0.0.1', resolve));
    try {
      const r = run(['up', 'prometheus', 'alertmanager'], {
        FOURSIGNALS_STATE_DIR: state,
        FOURSIGNALS_PORT_OFFSET: offset,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`port\\(s\\) already in use by another process: ${PORTS.alertmanager + 200} \\(alertmanager\\)`),
      );
      const status = run(['status', '--json'], { FOURSIGNALS_STATE_DIR: state, FOURSIGNALS_PORT_OFFSET: offset });
      assert.equal(JSON.parse(status.stdout).services.prometheus, 'stopped');
    } finally {
      taken.close();
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('rejects a broken collector config before starting anything, quoting the collector', () => {
    const state = freshState();
    const bad = join(state, 'bad.yaml');
    writeFileSync(
      bad,
      'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: [not, a, string]\nexporters:\n  nope: {}\n',
    );
    const r = run(['up', 'prometheus', 'collector'], {
      FOURSIGNALS_STATE_DIR: state,
      FOURSIGNALS_PORT_OFFSET: '300',
      FOURSIGNALS_COLLECTOR_CONFIG: bad,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /collector: the configuration is invalid/);
    assert.match(r.stderr, /nope/);
    const status = JSON.parse(
      run(['status', '--json'], { FOURSIGNALS_STATE_DIR: state, FOURSIGNALS_PORT_OFFSET: '300' }).stdout,
    );
    assert.equal(status.services.prometheus, 'stopped');
    rmSync(state, { recursive: true, force: true });
  });
});

describe('a fresh state directory', () => {
  it('comes up from nothing, is idempotent, and down stops exactly what up started', () => {
    const state = freshState();
    const env = { FOURSIGNALS_STATE_DIR: state, FOURSIGNALS_PORT_OFFSET: '400' };
    try {
      const first = run(['up'], env);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, /postgres: initdb \(first run\)/);
      const status = JSON.parse(run(['status', '--json'], env).stdout);
      for (const [name, state] of Object.entries(status.services)) assert.equal(state, 'ready', name);
      for (const key of [
        'prometheus_url',
        'alertmanager_url',
        'influxdb_url',
        'influxdb_database',
        'otlp_http_url',
        'otlp_grpc_url',
        'postgres_url',
        'rabbitmq_url',
        'rabbitmq_management_url',
      ]) {
        assert.ok(status[key], `status --json has ${key}`);
      }
      assert.equal(status.prometheus_url, `http://127.0.0.1:${PORTS.prometheus + 400}`);

      const second = run(['up'], env);
      assert.equal(second.status, 0, second.stderr);
      assert.doesNotMatch(second.stderr, /ready in/, 'a second up starts nothing');

      const pids = spawnSync(
        'sh',
        ['-c', `cat ${state}/run/*.pid ${state}/postgres/data/postmaster.pid 2>/dev/null | grep -E '^[0-9]+$'`],
        { encoding: 'utf8' },
      )
        .stdout.trim()
        .split('\n')
        .map(Number);
      assert.ok(pids.length >= 5, `pids: ${pids}`);
      const down = run(['down'], env);
      assert.equal(down.status, 0, down.stderr);
      for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} stopped`);
      assert.match(readFileSync(join(state, 'logs', 'prometheus.log'), 'utf8'), /Server is ready/);
    } finally {
      run(['down'], env);
      rmSync(state, { recursive: true, force: true });
    }
  });
});
