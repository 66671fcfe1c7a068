// The config rules, one test each: parseConfig on YAML text, no process and no server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRICS as PG_METRICS } from '@foursignals/receiver-postgresql/metrics';
import { ConfigError, parseConfig } from '../src/config/config.ts';
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
