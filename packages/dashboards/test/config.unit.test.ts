import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { durationSeconds, loadConfig, parseConfig } from '../src/config.ts';
import { CONFIG_FILE, REPO_ROOT } from '../src/generate.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test mutates a parsed YAML document freely
const committed = () => parse(readFileSync(join(REPO_ROOT, CONFIG_FILE), 'utf8')) as Record<string, any>;

test('the committed config is valid', () => {
  const c = loadConfig(join(REPO_ROOT, CONFIG_FILE));
  assert.ok(c.slo.services.length >= 3);
  assert.equal(c.mes.apiService, 'mes-api');
});

test('every problem of a bad config is reported at once, each with its path', () => {
  const raw = committed();
  raw.slo.services[0].availability = 1.5;
  raw.slo.services[1].latency_threshold = 0.3;
  raw.slo.services.push({ ...raw.slo.services[2] });
  raw.mes.cpu_for = 'ten minutes';
  raw.queues.work_queues = '(unclosed';
  delete raw.pipeline.receivers;
  assert.throws(
    () => parseConfig(raw, 'bad.yml'),
    (e: Error) => {
      assert.match(e.message, /6 problems/);
      assert.match(e.message, /slo\.services\[0\]\.availability: expected a number between 0 and 1/);
      assert.match(e.message, /slo\.services\[1\]\.latency_threshold: must be one of the histogram buckets/);
      assert.match(e.message, /slo\.services\[3\]\.service: crm-api is listed twice/);
      assert.match(e.message, /mes\.cpu_for: expected a duration like 5m/);
      assert.match(e.message, /queues\.work_queues: not a valid regular expression/);
      assert.match(e.message, /pipeline\.receivers: expected a non-empty list/);
      return true;
    },
  );
});

test('the dead-letter alert keys reject garbage, each by its path', () => {
  const raw = committed();
  raw.queues.dead_letter_factor = 0.5;
  raw.queues.dead_letters_floor_per_minute = 'five';
  raw.queues.dead_letters_for = '10 minutes';
  assert.throws(
    () => parseConfig(raw, 'bad.yml'),
    (e: Error) => {
      assert.match(e.message, /3 problems/);
      assert.match(e.message, /queues\.dead_letter_factor: /);
      assert.match(e.message, /queues\.dead_letters_floor_per_minute: /);
      assert.match(e.message, /queues\.dead_letters_for: expected a duration like 5m/);
      return true;
    },
  );
});

test('durations', () => {
  assert.equal(durationSeconds('1h30m'), 5400);
  assert.equal(durationSeconds('30d'), 2592000);
  assert.equal(durationSeconds('500ms'), 0.5);
});
