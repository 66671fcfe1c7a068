// Traces and logs over OTLP are ACCEPTED by our collector whatever is configured: without an OTLP endpoint they are
// dropped and the drop is counted in the collector's own metrics; with overlays/forward.yaml they reach the endpoint.
// Two real collectors from our binary on ports of their own: the "upstream" forwards to the "downstream", which
// drops. Counted independently: what this test sent, against each collector's own telemetry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type RunningCollector, startCollector } from '../src/collector.ts';

/** Nothing listens on port 9 (discard): the metrics pipelines of these collectors write nowhere. */
const NOWHERE = {
  PROMETHEUS_REMOTE_WRITE_URL: 'http://127.0.0.1:9/api/v1/write',
  INFLUXDB_URL: 'http://127.0.0.1:9',
};

let downstream: RunningCollector;
let upstream: RunningCollector;

/** The collector's own telemetry: the sum of every series of `name` (with or without _total) whose labels match. */
async function counter(c: RunningCollector, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${c.ports.telemetry}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.eE+-]+)/.exec(line);
    if (!m || (m[1] !== name && m[1] !== `${name}_total`)) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const nanos = () => `${BigInt(Date.now()) * 1_000_000n}`;
const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'deploy-tests-signals' } }] };

function traces(spans: number) {
  const traceId = hex(16);
  return {
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            scope: { name: 'deploy-tests' },
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId,
              spanId: hex(8),
              name: `span-${i}`,
              kind: 2,
              startTimeUnixNano: nanos(),
              endTimeUnixNano: nanos(),
            })),
          },
        ],
      },
    ],
  };
}

function logs(records: number) {
  return {
    resourceLogs: [
      {
        resource,
        scopeLogs: [
          {
            scope: { name: 'deploy-tests' },
            logRecords: Array.from({ length: records }, (_, i) => ({
              timeUnixNano: nanos(),
              severityNumber: 9,
              body: { stringValue: `log line ${i}` },
            })),
          },
        ],
      },
    ],
  };
}

/** POSTs OTLP/HTTP JSON; returns the status and the body (a partial success would name rejected items). */
async function post(c: RunningCollector, signal: 'traces' | 'logs', body: unknown) {
  const r = await fetch(`http://127.0.0.1:${c.ports.http}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.text() };
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('OTLP traces and logs: accepted, forwarded when configured, else dropped visibly', () => {
  before(async () => {
    downstream = await startCollector({ name: 'signals-downstream', env: NOWHERE });
    upstream = await startCollector({
      name: 'signals-upstream',
      overlays: ['forward'],
      env: {
        ...NOWHERE,
        OTLP_FORWARD_ENDPOINT: `127.0.0.1:${downstream.ports.grpc}`,
        OTLP_FORWARD_INSECURE: 'true',
      },
    });
  });
  after(async () => {
    await upstream?.stop();
    await downstream?.stop();
  });

  it('without an endpoint: every span and log record is accepted, then dropped and counted', async () => {
    const spans0 = await counter(downstream, 'otelcol_processor_filter_spans_filtered', {
      filter: 'filter/unforwarded',
    });
    const logs0 = await counter(downstream, 'otelcol_processor_filter_logs_filtered', { filter: 'filter/unforwarded' });
    const accepted0 = await counter(downstream, 'otelcol_receiver_accepted_spans', { receiver: 'otlp' });
    const t = await post(downstream, 'traces', traces(7));
    const l = await post(downstream, 'logs', logs(5));
    assert.equal(t.status, 200, t.body);
    assert.equal(l.status, 200, l.body);
    assert.doesNotMatch(t.body + l.body, /rejected/i, 'no partial success: nothing refused');
    await eventually('the drop counted', async () => {
      const spans = await counter(downstream, 'otelcol_processor_filter_spans_filtered', {
        filter: 'filter/unforwarded',
      });
      const dropped = await counter(downstream, 'otelcol_processor_filter_logs_filtered', {
        filter: 'filter/unforwarded',
      });
      return spans - spans0 >= 7 && dropped - logs0 >= 5;
    });
    assert.equal(
      (await counter(downstream, 'otelcol_processor_filter_spans_filtered', { filter: 'filter/unforwarded' })) - spans0,
      7,
    );
    assert.equal(
      (await counter(downstream, 'otelcol_processor_filter_logs_filtered', { filter: 'filter/unforwarded' })) - logs0,
      5,
    );
    assert.equal((await counter(downstream, 'otelcol_receiver_accepted_spans', { receiver: 'otlp' })) - accepted0, 7);
  });

  it('with OTLP_FORWARD_ENDPOINT: every span and log record reaches the endpoint, none is dropped', async () => {
    const down0 = {
      spans: await counter(downstream, 'otelcol_receiver_accepted_spans', { receiver: 'otlp' }),
      logs: await counter(downstream, 'otelcol_receiver_accepted_log_records', { receiver: 'otlp' }),
    };
    const t = await post(upstream, 'traces', traces(11));
    const l = await post(upstream, 'logs', logs(13));
    assert.equal(t.status, 200, t.body);
    assert.equal(l.status, 200, l.body);
    await eventually('the forwarded spans and logs at the endpoint', async () => {
      const spans = await counter(downstream, 'otelcol_receiver_accepted_spans', { receiver: 'otlp' });
      const records = await counter(downstream, 'otelcol_receiver_accepted_log_records', { receiver: 'otlp' });
      return spans - down0.spans >= 11 && records - down0.logs >= 13;
    });
    assert.equal(
      (await counter(downstream, 'otelcol_receiver_accepted_spans', { receiver: 'otlp' })) - down0.spans,
      11,
    );
    assert.equal(
      (await counter(downstream, 'otelcol_receiver_accepted_log_records', { receiver: 'otlp' })) - down0.logs,
      13,
    );
    assert.equal(await counter(upstream, 'otelcol_exporter_sent_spans', { exporter: 'otlp_grpc/forward' }), 11);
    assert.equal(await counter(upstream, 'otelcol_exporter_sent_log_records', { exporter: 'otlp_grpc/forward' }), 13);
    assert.equal(await counter(upstream, 'otelcol_processor_filter_spans_filtered'), 0, 'the upstream drops nothing');
  });
});
