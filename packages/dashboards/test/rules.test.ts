// The alert rules: promtool accepts them, their promtool unit tests pass (one test file per rules file), every alert
// carries severity, summary, description and a runbook link to an existing section, and every alert has a case that
// must not fire and a case that fires at an exact time with exact labels.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config.ts';
import { CONFIG_FILE, OPERATOR_RULES_FILE, PROMETHEUS_TESTS_DIR, REPO_ROOT, RULES_DIR } from '../src/generate.ts';
import { type AlertingRule, isAlert, ruleFiles, runbookAnchor } from '../src/rules/index.ts';

const rulesDir = join(REPO_ROOT, RULES_DIR);
const testsDir = join(REPO_ROOT, PROMETHEUS_TESTS_DIR);
const config = loadConfig(join(REPO_ROOT, CONFIG_FILE));

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.env.PROMTOOL ?? 'promtool', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`promtool not runnable (${r.error.message}): install Debian's prometheus package`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('promtool check rules accepts every rules file', () => {
  const files = readdirSync(rulesDir).filter((f) => f.endsWith('.yml'));
  assert.ok(files.length >= 5);
  const r = promtool(['check', 'rules', ...files.map((f) => join(rulesDir, f))]);
  assert.equal(r.status, 0, r.output);
});

test('one promtool test file per rules file, and promtool test rules passes', () => {
  const rules = readdirSync(rulesDir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => f.replace(/\.yml$/, ''));
  const tests = readdirSync(testsDir)
    .filter((f) => f.endsWith('.test.yml'))
    .map((f) => f.replace(/\.test\.yml$/, ''));
  assert.deepEqual(tests.sort(), rules.sort());
  const r = promtool(['test', 'rules', ...tests.map((t) => join(testsDir, `${t}.test.yml`))]);
  assert.equal(r.status, 0, r.output);
  assert.equal(r.output.match(/SUCCESS/g)?.length, tests.length, r.output);
});

const alerts: { file: string; rule: AlertingRule }[] = ruleFiles(config).flatMap((f) =>
  f.groups.flatMap((g) => g.rules.filter(isAlert).map((rule) => ({ file: f.name, rule }))),
);

test('every alert has a severity, a summary, a description and a runbook section', () => {
  const runbook = readFileSync(join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
  const anchors = new Set([...runbook.matchAll(/^#{2,4} (\S+)\s*$/gm)].map((m) => m[1]!.toLowerCase()));
  assert.ok(alerts.length >= 25, `${alerts.length} alerts`);
  for (const { rule } of alerts) {
    assert.match(rule.labels.severity, /^(critical|warning|info)$/, rule.alert);
    assert.ok(rule.annotations.summary.length > 10, `${rule.alert}: summary`);
    assert.ok(rule.annotations.description.length > 40, `${rule.alert}: description`);
    assert.equal(rule.annotations.runbook_url, `${config.runbookUrl}#${runbookAnchor(rule.alert)}`);
    assert.ok(anchors.has(runbookAnchor(rule.alert)), `docs/runbook.md has no section "${rule.alert}"`);
  }
});

interface AlertTest {
  alertname: string;
  eval_time: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}

test('every alert has a must-not-fire case and a fires-at-an-exact-time case with exact labels', () => {
  const missing: string[] = [];
  for (const file of new Set(alerts.map((a) => a.file))) {
    const doc = parse(readFileSync(join(testsDir, `${file}.test.yml`), 'utf8')) as {
      tests: { alert_rule_test?: AlertTest[] }[];
    };
    const cases = doc.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of new Set(alerts.filter((a) => a.file === file).map((a) => a.rule.alert))) {
      const mine = cases.filter((c) => c.alertname === name);
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0))
        missing.push(`${file}: ${name} has no must-not-fire case`);
      const firing = mine.filter((c) => (c.exp_alerts ?? []).length > 0);
      if (firing.length === 0) missing.push(`${file}: ${name} has no firing case`);
      for (const c of firing) {
        for (const e of c.exp_alerts ?? []) {
          if (!e.exp_labels?.severity) missing.push(`${file}: ${name} at ${c.eval_time}: exp_labels without severity`);
          if (!e.exp_annotations?.runbook_url) missing.push(`${file}: ${name} at ${c.eval_time}: no exp_annotations`);
        }
      }
    }
  }
  assert.deepEqual(missing, []);
});

test('the PrometheusRule objects carry exactly the groups of the rules files', () => {
  const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, OPERATOR_RULES_FILE), 'utf8'))
    .map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { groups: unknown[] } } | null)
    .filter((d) => d !== null);
  const files = readdirSync(rulesDir).filter((f) => f.endsWith('.yml'));
  assert.equal(docs.length, files.length);
  for (const f of files) {
    const doc = docs.find((d) => d.metadata.name === `foursignals-${f.replace(/\.yml$/, '')}`);
    assert.ok(doc, `no PrometheusRule for ${f}`);
    assert.equal(doc.kind, 'PrometheusRule');
    const groups = (parse(readFileSync(join(rulesDir, f), 'utf8')) as { groups: unknown[] }).groups;
    assert.deepEqual(doc.spec.groups, groups);
  }
});
