// The metric catalogue's two promises, checked on the sources and on what is generated from them:
// - each metric name is written once, in its emitter's table: no other non-generated source spells its dotted
//   name or its Prometheus name (they import the table, and derive Prometheus names with promName());
// - every metric a rule or a panel reads is declared by an emitter (or is the collector's own, or a record).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { promName } from '@foursignals/metric-spec';
import { loadConfig } from '../src/config.ts';
import { dashboards } from '../src/dashboards/index.ts';
import { CONFIG_FILE, REPO_ROOT } from '../src/generate.ts';
import { OTELCOL, PROMETHEUS_SELF, SOURCES } from '../src/metrics.ts';
import { panelQueries } from '../src/queries.ts';
import { ruleFiles } from '../src/rules/index.ts';

const declared = Object.values(SOURCES).flatMap((table) => Object.values(table));

/** Non-generated TypeScript sources (src/ and scripts/ of every package, bench/). */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.includes('.generated.')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ts|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const pkg of readdirSync(join(REPO_ROOT, 'packages'))) {
    for (const part of ['src', 'scripts']) {
      try {
        walk(join(REPO_ROOT, 'packages', pkg, part));
      } catch {
        // a package without that folder
      }
    }
  }
  walk(join(REPO_ROOT, 'bench'));
  return out;
}

/** The code without its comments (prose may name a metric; code may not). */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/\s\/\/\s.*$/gm, '');
}

function occurrences(text: string, word: string): number {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...text.matchAll(new RegExp(`(?<![\\w.])${escaped}(?![\\w]|\\.[a-z])`, 'g'))].length;
}

test('each metric name is written once in non-generated source: in its table', () => {
  const files = sources().map((path) => ({ path: relative(REPO_ROOT, path), text: code(readFileSync(path, 'utf8')) }));
  assert.ok(files.length > 50, `only ${files.length} source files found`);
  const problems: string[] = [];
  for (const m of declared) {
    const dotted = files.flatMap((f) => Array(occurrences(f.text, m.name)).fill(f.path) as string[]);
    if (dotted.length !== 1) problems.push(`${m.name} is written ${dotted.length} times: ${dotted.join(', ')}`);
    const prom = promName(m);
    // a dotted name without dots is its own Prometheus name (nothing to tell apart)
    if (prom === m.name) continue;
    for (const f of files) {
      const n = occurrences(f.text, prom);
      if (n > 0) problems.push(`${prom} (Prometheus name of ${m.name}) is written in ${f.path}`);
    }
  }
  assert.deepEqual(problems, []);
});

const FUNCTIONS = new Set([
  'histogram_quantile',
  'label_replace',
  'label_values',
  'predict_linear',
  'absent_over_time',
  'last_over_time',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'count_over_time',
  'group_left',
  'group_right',
]);

/** Metric names a PromQL expression reads: identifiers left once strings, matchers and label lists are removed. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/label_values\(([^,]+),[^)]*\)/g, '$1')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$\w+/g, '');
  return [...stripped.matchAll(/(?<![\w.])[a-zA-Z_:][\w:]*(?=\s*(?:[^\w(:]|$))/g)]
    .map((m) => m[0])
    .filter((t) => (t.includes('_') || t.includes(':')) && !FUNCTIONS.has(t));
}

test('every metric a rule or a panel reads is declared by an emitter, the collector, Prometheus, or a record', () => {
  const config = loadConfig(join(REPO_ROOT, CONFIG_FILE));
  const files = ruleFiles(config);
  const records = new Set(
    files.flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : [])))),
  );
  const known = new Set<string>([...records, ...Object.values(OTELCOL), ...Object.values(PROMETHEUS_SELF)]);
  for (const m of declared) {
    const p = promName(m);
    known.add(p);
    if (m.instrument === 'histogram') for (const s of ['_bucket', '_count', '_sum']) known.add(p + s);
  }
  const exprs = [
    ...files.flatMap((f) =>
      f.groups.flatMap((g) =>
        g.rules.map((r) => ({ where: `${f.name}: ${'record' in r ? r.record : r.alert}`, expr: r.expr })),
      ),
    ),
    ...dashboards(config).flatMap((d) =>
      panelQueries(d)
        .filter((q) => q.datasource === 'prometheus')
        .map((q) => ({ where: `${q.dashboard} / ${q.panel}`, expr: q.raw })),
    ),
  ];
  const unknown = exprs.flatMap(({ where, expr }) =>
    metricNames(expr)
      .filter((n) => !known.has(n))
      .map((n) => `${where}: ${n}`),
  );
  assert.deepEqual(unknown, []);
  assert.ok(exprs.length > 100, `only ${exprs.length} expressions checked`);
});

test('the check sees an undeclared name', () => {
  assert.deepEqual(metricNames('sum by (a_b) (rate(not_declared_total{x_y="1"}[5m])) / on() http_x'), [
    'not_declared_total',
    'http_x',
  ]);
});
