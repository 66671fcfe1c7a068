// The otel-receivers command as a process: exit codes and messages (spawns the CLI; no server needed).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@foursignals/test-support';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/many-errors.yaml', import.meta.url));

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
