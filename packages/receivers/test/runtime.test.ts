import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyReceiverFactory, Observation, ScrapeContext } from '@foursignals/receiver-core';
import { freePort } from '@foursignals/test-support';
import { parseConfig } from '../src/config/config.ts';
import { run } from '../src/main.ts';
import type { Logger } from '../src/runtime/runtime.ts';

// Receivers written for this test (not mocks of a server): one answers at once, one hangs past its timeout and
// ignores the abort, one fails. They run in the real runtime, exported through the real Prometheus endpoint.
const table = {
  ticks: {
    name: 'test.ticks',
    instrument: 'counter',
    unit: '{tick}',
    description: 'Scrapes answered.',
    attributes: {},
    enabled: true,
  },
  level: { name: 'test.level', instrument: 'gauge', unit: '1', description: 'A level.', attributes: {}, enabled: true },
  hidden: {
    name: 'test.hidden',
    instrument: 'gauge',
    unit: '1',
    description: 'Off by default.',
    attributes: {},
    enabled: false,
  },
} as const;

let hangingCalls = 0;
const factory: AnyReceiverFactory = {
  type: 'test',
  metrics: table,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { mode: { enum: ['fast', 'hang', 'fail'] } },
  },
  create(_name, config: { mode: 'fast' | 'hang' | 'fail' }) {
    let ticks = 0;
    return {
      target: `test-${config.mode}:1`,
      async scrape(ctx: ScrapeContext): Promise<Observation[]> {
        if (config.mode === 'hang') {
          hangingCalls++;
          return new Promise(() => {}); // ignores ctx.signal on purpose
        }
        if (config.mode === 'fail') throw new Error('target unreachable');
        ctx.warn('the same warning every time');
        ticks++;
        return [
          { metric: table.ticks.name, attributes: {}, value: ticks },
          { metric: table.level.name, attributes: {}, value: 0.5 },
          { metric: table.hidden.name, attributes: {}, value: 1 },
          { metric: 'test.not_in_table', attributes: {}, value: 1 },
        ];
      },
      async shutdown() {},
    };
  },
};

test('instances are isolated: a hanging and a failing target never delay a healthy one; health and metrics are exported', async () => {
  const port = await freePort();
  const yaml = `
receivers:
  test/fast: { mode: fast, collection_interval: 1s, timeout: 1s, metrics: { test.level: { enabled: false } } }
  test/hang: { mode: hang, collection_interval: 1s, timeout: 500ms }
  test/fail: { mode: fail, collection_interval: 1s }
exporters:
  prometheus: { endpoint: "127.0.0.1:${port}" }
`;
  const logged: string[] = [];
  const logger: Logger = { info: (m) => logged.push(m), warn: (m) => logged.push(m) };
  const running = run(parseConfig(yaml, [factory], {}), logger);
  try {
    // Wait for the healthy instance's third scrape (about 2 s; bounded wait, no timing assertion).
    for (
      let i = 0;
      i < 150 &&
      !(running.runtime.health('test/fast')!.scrapes >= 3 && running.runtime.health('test/hang')!.scrapes >= 2);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const fast = running.runtime.health('test/fast')!;
    const hang = running.runtime.health('test/hang')!;
    assert.equal(fast.up, 1);
    assert.ok(fast.scrapes >= 3, `the healthy instance scraped ${fast.scrapes} times`);
    assert.equal(hang.up, 0);
    assert.ok(hang.scrapes >= 2, `the hanging instance was tried ${hang.scrapes} times`);
    assert.equal(hangingCalls, 1, 'a scrape that outlives its timeout is never started again on top of itself');
    assert.equal(running.runtime.health('test/fail')!.up, 0);

    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = (prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));
    assert.match(line('receiver_up{receiver_name="test/fast",receiver_target="test-fast:1"') ?? '', / 1$/);
    assert.match(line('receiver_up{receiver_name="test/hang",receiver_target="test-hang:1"') ?? '', / 0$/);
    assert.match(line('receiver_up{receiver_name="test/fail",receiver_target="test-fail:1"') ?? '', / 0$/);
    const hangDuration = Number(line('receiver_scrape_duration{receiver_name="test/hang"')?.split(' ').pop());
    assert.ok(hangDuration >= 0.45 && hangDuration < 10, `the hanging scrape took ${hangDuration} s (timeout 0.5 s)`);
    assert.ok(Number(line('test_ticks_total{receiver_name="test/fast"')?.split(' ').pop()) >= 3);
    assert.equal(line('test_level'), undefined, 'switched off in the config');
    assert.equal(line('test_hidden'), undefined, 'off by default');
    assert.equal(line('test_not_in_table'), undefined, 'not in the table');

    assert.equal(
      logged.filter((m) => m.includes('the same warning every time')).length,
      1,
      'warnings are deduplicated',
    );
    assert.ok(logged.some((m) => m.includes('test/fail: scrape of test-fail:1 failed: target unreachable')));
    assert.ok(logged.some((m) => m.includes('test/hang: scrape of test-hang:1 failed: scrape timed out after 0.5s')));
    assert.equal(
      logged.filter((m) => m.includes('test-fail:1 failed')).length,
      1,
      'a failure is logged once, not every scrape',
    );
    assert.ok(logged.some((m) => m.includes('dropped test.not_in_table')));
  } finally {
    await running.stop();
  }
});
