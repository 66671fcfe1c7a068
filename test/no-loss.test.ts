// A backend outage or a collector restart loses nothing the collector accepted: every point the SDK's exporter saw
// accepted must arrive, exactly once, after Prometheus (30 s down), InfluxDB (30 s down) and a collector restart while
// both backends are down.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, down, select, up } from '@foursignals/stack';
import { influxQuery, otlpMeterProvider, promQuery, promRange, uniqueName, waitFor } from './support.ts';

const quiet = context(() => {});
const sorted = (v: number[]) => [...v].sort((a, b) => a - b);

/** A gauge whose value is the collection number: each export carries exactly one new point. */
function heartbeat(prefix: string) {
  const service = uniqueName(prefix);
  const { provider, exporter } = otlpMeterProvider(service, 1_000);
  let n = 0;
  provider
    .getMeter('e2e')
    .createObservableGauge('e2e.heartbeat')
    .addCallback((r) => r.observe(++n));
  return { service, provider, accepted: () => sorted(exporter.acceptedValues.get('e2e.heartbeat') ?? []) };
}

const inPrometheus = async (service: string) =>
  sorted((await promRange(`e2e_heartbeat{service_name="${service}"}[1h]`))[0]?.values ?? []);
const inInflux = async (service: string) =>
  sorted(
    (
      (await influxQuery(`SELECT "gauge" FROM "e2e.heartbeat" WHERE "service.name" = '${service}'`))[0]?.values ?? []
    ).map((v) => Number(v[1])),
  );

async function outage(service: string[], seconds: number) {
  await down(quiet, select(service));
  await sleep(seconds * 1_000);
  await up(quiet, select(service));
}

describe('no loss', { concurrency: false }, () => {
  it('Prometheus down for 30 s: every accepted point arrives once it is back', async () => {
    const hb = heartbeat('e2e-noloss-prom');
    await waitFor(
      'first points',
      () => inPrometheus(hb.service),
      (v) => v.length >= 3,
    );
    await outage(['prometheus'], 30);
    await sleep(3_000);
    await hb.provider.shutdown();
    const sent = hb.accepted();
    assert.ok(sent.length >= 30, `points accepted during the run: ${sent.length}`);
    const got = await waitFor(
      'every point in Prometheus',
      () => inPrometheus(hb.service),
      (v) => v.length >= sent.length,
      120_000,
    );
    assert.deepEqual(got, sent);
    // and the instant view agrees with the last point
    const [last] = await promQuery(`last_over_time(e2e_heartbeat{service_name="${hb.service}"}[1h])`);
    assert.equal(last?.value, sent.at(-1));
  });

  it('InfluxDB down for 30 s: every accepted point arrives once it is back', async () => {
    const hb = heartbeat('e2e-noloss-influx');
    await waitFor(
      'first points',
      () => inInflux(hb.service),
      (v) => v.length >= 3,
    );
    await outage(['influxdb'], 30);
    await sleep(3_000);
    await hb.provider.shutdown();
    const sent = hb.accepted();
    assert.ok(sent.length >= 30, `points accepted during the run: ${sent.length}`);
    const got = await waitFor(
      'every point in InfluxDB',
      () => inInflux(hb.service),
      (v) => v.length >= sent.length,
      120_000,
    );
    assert.deepEqual(got, sent);
  });

  it('collector restarted while both backends are down: what it had accepted is still delivered', async () => {
    // The hard case for persistence: nothing can be drained on shutdown, so only what is on disk survives.
    const hb = heartbeat('e2e-noloss-collector');
    await waitFor(
      'first points',
      () => inPrometheus(hb.service),
      (v) => v.length >= 3,
    );
    await down(quiet, select(['prometheus', 'influxdb']));
    await sleep(5_000);
    await down(quiet, select(['collector']));
    await sleep(2_000);
    await up(quiet, select(['collector']));
    await sleep(5_000);
    await up(quiet, select(['prometheus', 'influxdb']));
    await sleep(3_000);
    await hb.provider.shutdown();
    const sent = hb.accepted();
    assert.ok(sent.length >= 12, `points accepted during the run: ${sent.length}`);
    const prom = await waitFor(
      'every point in Prometheus',
      () => inPrometheus(hb.service),
      (v) => v.length >= sent.length,
      120_000,
    );
    assert.deepEqual(prom, sent);
    const influx = await waitFor(
      'every point in InfluxDB',
      () => inInflux(hb.service),
      (v) => v.length >= sent.length,
      120_000,
    );
    assert.deepEqual(influx, sent);
  });
});
