// The example Alertmanager configuration: amtool accepts it, critical alerts page and warnings open tickets, and its
// inhibition rules name only alerts that exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.ts';
import { CONFIG_FILE, REPO_ROOT } from '../src/generate.ts';
import { isAlert, ruleFiles } from '../src/rules/index.ts';

const file = join(REPO_ROOT, 'deploy', 'alertmanager', 'alertmanager.yml');

function amtool(args: string[]): string {
  const r = spawnSync(process.env.AMTOOL ?? 'amtool', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`amtool not runnable (${r.error.message}): install Debian's prometheus-alertmanager`);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

test('amtool accepts the example Alertmanager configuration', () => {
  assert.match(amtool(['check-config', file]), /SUCCESS/);
});

test('critical alerts page, warnings open tickets', () => {
  const route = (labels: string[]) => amtool(['config', 'routes', 'test', `--config.file=${file}`, ...labels]);
  assert.equal(route(['alertname=MesQueueNoConsumers', 'severity=critical']), 'pager');
  assert.equal(route(['alertname=MesDeadLetters', 'severity=warning']), 'tickets');
});

test('inhibition rules name only alerts the rules define', () => {
  const names = new Set(
    ruleFiles(loadConfig(join(REPO_ROOT, CONFIG_FILE))).flatMap((f) =>
      f.groups.flatMap((g) => g.rules.filter(isAlert).map((r) => r.alert)),
    ),
  );
  const doc = parse(readFileSync(file, 'utf8')) as {
    inhibit_rules: { source_matchers: string[]; target_matchers: string[] }[];
  };
  for (const rule of doc.inhibit_rules) {
    for (const m of [...rule.source_matchers, ...rule.target_matchers]) {
      const match = /^alertname(=~|=)"(.*)"$/.exec(m);
      assert.ok(match, `unexpected matcher ${m}`);
      const re = new RegExp(`^(?:${match[1] === '=' ? match[2]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : match[2]})$`);
      const hits = [...names].filter((n) => re.test(n));
      assert.ok(hits.length > 0, `${m} matches no alert`);
      // a plain alternation lists alert names: each of them must exist
      if (match[1] === '=~' && !match[2]!.includes('(')) {
        for (const alt of match[2]!.split('|')) assert.ok(names.has(alt), `${m}: no alert ${alt}`);
      }
    }
  }
});
