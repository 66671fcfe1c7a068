// The collector's environment variables of the local stack: each bad value is named, all of them at once, before
// anything starts; good values become the --config files the collector is given.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectorConfigArgs } from '../src/services/collector.ts';
import { mesCommandLinePattern, watchedProcessesConfig } from '../src/services/mes.ts';

const repo = join(import.meta.dirname, '..', '..', '..');

function withState(f: (state: string) => void): void {
  const state = mkdtempSync(join(tmpdir(), 'collector-config-'));
  try {
    f(state);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}
const ctx = (state: string) => ({ state, cache: state, repo, log: () => {} });

test('bad collector variables are reported together, each by name', () => {
  withState((state) => {
    assert.throws(
      () =>
        collectorConfigArgs(ctx(state), {
          FOURSIGNALS_COLLECTOR_CONFIG: '/nonexistent/config.yaml',
          FOURSIGNALS_COLLECTOR_OVERLAYS: 'tls,tempo',
          OTLP_FORWARD_ENDPOINT: 'http://tempo/v1/traces',
          FOURSIGNALS_WATCHED_PROCESSES: '/nonexistent/watched.yaml',
        }),
      (err: Error) => {
        assert.match(err.message, /FOURSIGNALS_COLLECTOR_CONFIG=\/nonexistent\/config\.yaml: no such file/);
        assert.match(err.message, /FOURSIGNALS_COLLECTOR_OVERLAYS: no overlay "tempo" .*\(have: .*forward.*tls/);
        assert.doesNotMatch(err.message, /overlay "tls"/);
        assert.match(err.message, /OTLP_FORWARD_ENDPOINT=http:\/\/tempo\/v1\/traces: expected host:port/);
        assert.match(err.message, /FOURSIGNALS_WATCHED_PROCESSES=\/nonexistent\/watched\.yaml: no such file/);
        return true;
      },
    );
  });
});

test('good collector variables become the config files, the forward overlay added for OTLP_FORWARD_ENDPOINT', () => {
  withState((state) => {
    const watched = join(state, 'mine.yaml');
    writeFileSync(watched, 'receivers: {}\n');
    for (const endpoint of ['tempo:4317', 'https://otlp.example.com:443', '[::1]:4317']) {
      const args = collectorConfigArgs(ctx(state), {
        FOURSIGNALS_COLLECTOR_OVERLAYS: 'tls.yaml, agent',
        OTLP_FORWARD_ENDPOINT: endpoint,
        FOURSIGNALS_WATCHED_PROCESSES: watched,
      });
      const files = args.filter((_, i) => i % 2 === 1).map((f) => f.replace(`${repo}/`, ''));
      assert.deepEqual(files, [
        'otel-collector/config.yaml',
        'otel-collector/overlays/tls.yaml',
        'otel-collector/overlays/agent.yaml',
        'otel-collector/overlays/forward.yaml',
        watched,
      ]);
    }
    // unset: no forward overlay, the stack's own watched-processes file
    const files = collectorConfigArgs(ctx(state), {}).filter((_, i) => i % 2 === 1);
    assert.equal(files.length, 2);
    assert.equal(files[1], join(state, 'collector', 'watched-processes.yaml'));
  });
});

test("the stack's MES is recognised by its own script path, so two stacks on one host don't see each other's", () => {
  withState((state) => {
    const pattern = new RegExp(mesCommandLinePattern(ctx(state)));
    assert.ok(pattern.test(`perl ${join(state, 'mes', 'foursignals-mes.pl')}`));
    assert.ok(!pattern.test('perl /var/lib/foursignals/mes/foursignals-mes.pl'));
    assert.ok(!pattern.test(`perl ${join(state, 'mes', 'foursignals-mesXpl')}`), 'the dot is literal');
    assert.match(watchedProcessesConfig(ctx(state)), /IsMatch\(attributes\["process.command_line"\], "/);
  });
});
