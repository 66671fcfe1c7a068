import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { METRICS as PG_METRICS } from '@foursignals/receiver-postgresql/metrics';
import { ConfigError, parseConfig } from '../src/config.ts';
import { RECEIVER_FACTORIES } from '../src/registry.ts';

const OK_EXPORTERS = 'exporters:\n  prometheus:\n    endpoint: 127.0.0.1:29999\n';
const PG = 'postgresql/shop:\n    endpoint: postgresql://monitor@127.0.0.1:5432/postgres\n';

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(yaml, RECEIVER_FACTORIES, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('the config was accepted');
}

function withReceiver(extra: string): string {
  return `receivers:\n  ${PG}${extra}${OK_EXPORTERS}`;
}

describe('config validation: one test per rule', () => {
  test('a valid config yields instances with defaults', () => {
    const config = parseConfig(withReceiver(''), RECEIVER_FACTORIES, {});
    assert.equal(config.instances.length, 1);
    const [shop] = config.instances;
    assert.equal(shop!.name, 'postgresql/shop');
    assert.equal(shop!.intervalMs, 15_000);
    assert.equal(shop!.timeoutMs, 10_000);
    assert.deepEqual(shop!.config, { endpoint: 'postgresql://monitor@127.0.0.1:5432/postgres' });
    assert.deepEqual(config.export.prometheus, { host: '127.0.0.1', port: 29999 });
  });

  test('collection_interval must be a duration', () => {
    assert.deepEqual(problems(withReceiver('    collection_interval: 15\n')), [
      'receivers.postgresql/shop.collection_interval: expected a string',
    ]);
    assert.deepEqual(problems(withReceiver('    collection_interval: fast\n')), [
      'receivers.postgresql/shop.collection_interval: expected a duration like 15s',
    ]);
  });

  test('timeout must be a duration no longer than the interval', () => {
    assert.deepEqual(problems(withReceiver('    timeout: 1 minute\n')), [
      'receivers.postgresql/shop.timeout: expected a duration like 15s',
    ]);
    assert.deepEqual(problems(withReceiver('    collection_interval: 5s\n    timeout: 6s\n')), [
      'receivers.postgresql/shop.timeout: must not be longer than collection_interval',
    ]);
  });

  test('collection_interval of at least 1s', () => {
    assert.deepEqual(problems(withReceiver('    collection_interval: 200ms\n')), [
      'receivers.postgresql/shop.collection_interval: expected at least 1s',
    ]);
  });

  test('unknown receiver type and malformed keys', () => {
    assert.deepEqual(problems(`receivers:\n  mysql/shop: {}\n${OK_EXPORTERS}`), [
      'receivers.mysql/shop: unknown receiver type "mysql" (known: postgresql)'.replace(
        'postgresql)',
        `${RECEIVER_FACTORIES.map((f) => f.type).join(', ')})`,
      ),
    ]);
    assert.deepEqual(problems(`receivers:\n  postgresql/a/b: {}\n${OK_EXPORTERS}`), [
      'receivers.postgresql/a/b: expected a key like type or type/name (letters, digits, _ . -)',
    ]);
  });

  test("a receiver's required key", () => {
    assert.deepEqual(problems(`receivers:\n  postgresql/shop:\n    databases: [shop]\n${OK_EXPORTERS}`), [
      'receivers.postgresql/shop.endpoint: required',
    ]);
  });

  test("a receiver's own rules and x-error messages", () => {
    assert.deepEqual(problems(withReceiver('    top_statements: many\n')), [
      'receivers.postgresql/shop.top_statements: expected a whole number from 0 to 1000',
    ]);
    assert.deepEqual(problems(`receivers:\n  postgresql/shop:\n    endpoint: mysql://x\n${OK_EXPORTERS}`), [
      'receivers.postgresql/shop.endpoint: expected a URL like postgresql://user@127.0.0.1:5432/postgres',
    ]);
  });

  test('unknown keys are named', () => {
    const [problem] = problems(withReceiver('    colection_interval: 15s\n'));
    assert.match(
      problem!,
      /^receivers\.postgresql\/shop\.colection_interval: unknown key \(known: .*collection_interval/,
    );
  });

  test('per-metric switches: known names only, and they switch metrics off', () => {
    const [problem] = problems(withReceiver('    metrics:\n      postgresql.nope: { enabled: false }\n'));
    assert.ok(
      problem!.startsWith(
        `receivers.postgresql/shop.metrics.postgresql.nope: unknown metric (known: ${PG_METRICS.commits.name}, ${PG_METRICS.rollbacks.name},`,
      ),
      problem,
    );
    const off = PG_METRICS.blksRead.name;
    assert.deepEqual(problems(withReceiver(`    metrics:\n      ${off}: { enabled: no }\n`)), [
      `receivers.postgresql/shop.metrics.${off}.enabled: expected a boolean`,
    ]);
    const config = parseConfig(
      withReceiver(`    metrics:\n      ${off}: { enabled: false }\n`),
      RECEIVER_FACTORIES,
      {},
    );
    assert.equal(config.instances[0]!.enabledMetrics.has(off), false);
    assert.equal(config.instances[0]!.enabledMetrics.has(PG_METRICS.commits.name), true);
    assert.equal('metrics' in config.instances[0]!.config, false);
  });

  test('env:VAR expansion, defaults, and unset variables', () => {
    const yaml = `receivers:\n  postgresql/shop:\n    endpoint: \${env:PG_URL}\n    password: \${env:PG_PASSWORD}\n    collection_interval: \${env:EVERY:-30s}\n${OK_EXPORTERS}`;
    const config = parseConfig(yaml, RECEIVER_FACTORIES, {
      PG_URL: 'postgresql://m@h:1/postgres',
      PG_PASSWORD: 's3cr$t',
    });
    assert.equal(config.instances[0]!.config['endpoint'], 'postgresql://m@h:1/postgres');
    assert.equal(config.instances[0]!.config['password'], 's3cr$t');
    assert.equal(config.instances[0]!.intervalMs, 30_000);
    assert.deepEqual(problems(yaml, { PG_PASSWORD: 'x' }), [
      'receivers.postgresql/shop.endpoint: environment variable PG_URL is not set',
      'receivers.postgresql/shop.endpoint: expected a URL like postgresql://user@127.0.0.1:5432/postgres',
    ]);
  });

  test('exporters: at least one, each well-formed', () => {
    assert.deepEqual(problems(`receivers:\n  ${PG}`), ['exporters: required']);
    assert.deepEqual(problems(`receivers:\n  ${PG}exporters: {}\n`), [
      'exporters: expected otlphttp, prometheus or both',
    ]);
    assert.deepEqual(problems(`receivers:\n  ${PG}exporters:\n  otlphttp:\n    endpoint: localhost:4318\n`), [
      'exporters.otlphttp.endpoint: expected a URL like http://127.0.0.1:4318 (/v1/metrics is added)',
    ]);
    assert.deepEqual(problems(`receivers:\n  ${PG}exporters:\n  prometheus:\n    endpoint: 9464\n`), [
      'exporters.prometheus.endpoint: expected host:port like 127.0.0.1:9464',
    ]);
    assert.deepEqual(problems(`receivers:\n  ${PG}exporters:\n  kafka: {}\n`), [
      'exporters.kafka: unknown key (known: otlphttp, prometheus)',
    ]);
    const config = parseConfig(
      `receivers:\n  ${PG}exporters:\n  otlphttp:\n    endpoint: http://127.0.0.1:4318/\n`,
      RECEIVER_FACTORIES,
      {},
    );
    assert.equal(config.export.otlp?.url, 'http://127.0.0.1:4318/v1/metrics');
  });

  test('receivers: required and not empty', () => {
    assert.deepEqual(problems(OK_EXPORTERS), ['receivers: required']);
    assert.deepEqual(problems(`receivers: {}\n${OK_EXPORTERS}`), [
      'receivers: expected a map of type/name to receiver config',
    ]);
  });

  test('YAML syntax errors carry the line', () => {
    const [problem] = problems('receivers:\n  postgresql/shop: [\n');
    assert.match(problem!, /^line \d+: /);
  });
});

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/many-errors.yaml', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('otel-receivers command', () => {
  test('a file with several errors: all reported together, exit code 2, nothing started', async () => {
    const port = await freePort();
    const file = join(mkdtempSync(join(tmpdir(), 'receivers-')), 'many-errors.yaml');
    writeFileSync(file, readFileSync(FIXTURE, 'utf8').replace('127.0.0.1:29999', `127.0.0.1:${port}`));
    const result = spawnSync(process.execPath, [CLI, '--config', file], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 2, result.stderr);
    const lines = result.stderr.split('\n').map((l) => l.trim());
    for (const expected of [
      'receivers.postgresql/shop.endpoint: expected a URL like postgresql://user@127.0.0.1:5432/postgres',
      'receivers.postgresql/shop.collection_interval: expected a duration like 15s',
      'receivers.postgresql/shop.top_statements: expected a whole number from 0 to 1000',
      'exporters.otlphttp.endpoint: expected a URL like http://127.0.0.1:4318 (/v1/metrics is added)',
    ]) {
      assert.ok(lines.includes(expected), `missing "${expected}" in:\n${result.stderr}`);
    }
    assert.ok(
      lines.some((l) => l.startsWith('receivers.nosuch/thing: unknown receiver type "nosuch"')),
      result.stderr,
    );
    assert.match(result.stderr, /5 problems in the config/);
    assert.equal(await portOpen(port), false, 'the Prometheus endpoint of an invalid config must not start');
  });

  test('--check accepts the default local config', () => {
    const local = fileURLToPath(new URL('../config/local.yaml', import.meta.url));
    const env = { ...process.env, FOURSIGNALS_S3_SECRET_ACCESS_KEY: 'x' };
    const result = spawnSync(process.execPath, [CLI, '--config', local, '--check'], {
      encoding: 'utf8',
      timeout: 30_000,
      env,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /valid \(postgresql\/stack, s3\/stack, rabbitmq\/stack\)/);
    const without = { ...env, FOURSIGNALS_S3_SECRET_ACCESS_KEY: '' };
    const missing = spawnSync(process.execPath, [CLI, '--config', local, '--check'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: without,
    });
    assert.equal(missing.status, 2);
    assert.match(
      missing.stderr,
      /receivers\.s3\/stack\.secret_access_key: environment variable FOURSIGNALS_S3_SECRET_ACCESS_KEY is not set/,
    );
  });

  test('a Prometheus port already taken: a clear message and exit code 1', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    const file = join(mkdtempSync(join(tmpdir(), 'receivers-')), 'port.yaml');
    writeFileSync(
      file,
      `receivers:\n  postgresql/x:\n    endpoint: postgresql://u@127.0.0.1:1/postgres\nexporters:\n  prometheus:\n    endpoint: 127.0.0.1:${port}\n`,
    );
    try {
      const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        const guard = setTimeout(() => child.kill('SIGKILL'), 30_000); // never hang the suite
        child.on('exit', (status) => {
          clearTimeout(guard);
          resolve({ status, stderr });
        });
      });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`cannot serve Prometheus metrics on 127\\.0\\.0\\.1:${port}`));
    } finally {
      holder.close();
    }
  });

  test('a missing --config is a usage error (exit 2)', () => {
    const result = spawnSync(process.execPath, [CLI], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--config is required/);
  });
});
