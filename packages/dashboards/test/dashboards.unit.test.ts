// The dashboards' structure (what Grafana needs to load them and what makes them usable) and the syntax of every
// Prometheus query (checked by promtool, offline). test/dashboards.live.test.ts at the repository root runs them
// against the live stack.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { loadConfig } from '../src/config.ts';
import { dashboards, INFLUXDB, PROMETHEUS } from '../src/dashboards/index.ts';
import { DATASOURCE_VARIABLES } from '../src/dashboards/lib.ts';
import { CONFIG_FILE, IMPORT_DIR, REPO_ROOT, SIDECAR_FILE } from '../src/generate.ts';
import { panelQueries } from '../src/queries.ts';

const config = loadConfig(join(REPO_ROOT, CONFIG_FILE));
const all = dashboards(config);

interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: { refId?: string; datasource?: { uid?: string } }[];
}

test('the dashboards the issue asks for exist, with unique uids', () => {
  const uids = all.map((d) => d.uid);
  assert.deepEqual(uids, [
    'foursignals-overview',
    'foursignals-mes',
    'foursignals-apis',
    'foursignals-databases',
    'foursignals-s3',
    'foursignals-business',
    'foursignals-pipeline',
  ]);
  for (const d of all) assert.ok(d.uid.length <= 40, `${d.uid}: Grafana uids are at most 40 characters`);
});

test('panels have ids, titles, descriptions, grid positions inside 24 columns and no overlaps', () => {
  for (const d of all) {
    const panels = (d.panels ?? []) as Panel[];
    const ids = new Set<number>();
    const cells = new Set<string>();
    for (const p of panels) {
      assert.ok(p.id !== undefined && !ids.has(p.id), `${d.uid}: panel id ${p.id}`);
      ids.add(p.id);
      const g = p.gridPos;
      assert.ok(g, `${d.uid} / ${p.title}: no gridPos`);
      assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${d.uid} / ${p.title}: outside the grid`);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const cell = `${x},${y}`;
          assert.ok(!cells.has(cell), `${d.uid} / ${p.title}: overlaps another panel at ${cell}`);
          cells.add(cell);
        }
      }
      if (p.type === 'row') continue;
      assert.ok(p.title, `${d.uid}: panel ${p.id} has no title`);
      if (p.type !== 'text') assert.ok((p.description ?? '').length > 10, `${d.uid} / ${p.title}: no description`);
    }
  }
});

test('every query reads a data source variable that defaults to a provisioned data source, and every variable it uses is defined', () => {
  const known = new Set([PROMETHEUS.uid, INFLUXDB.uid]);
  const provisioned = readFileSync(join(REPO_ROOT, 'deploy/grafana/provisioning/datasources/foursignals.yml'), 'utf8');
  const builtins = new Set(['__rate_interval', '__interval', '__range', 'timeFilter']);
  for (const d of all) {
    const vars = new Set((d.templating?.list ?? []).map((v) => v.name));
    for (const v of (d.templating?.list ?? []).filter((x) => x.type === 'datasource')) {
      const uid = DATASOURCE_VARIABLES[v.name as keyof typeof DATASOURCE_VARIABLES].provisionedUid;
      assert.equal((v.current as { value?: string } | undefined)?.value, uid, `${d.uid}: $${v.name} default`);
      assert.match(provisioned, new RegExp(`uid: ${uid}\\n`), `${uid} is not provisioned`);
    }
    for (const p of (d.panels ?? []) as Panel[]) {
      for (const t of p.targets ?? []) {
        const uid = t.datasource?.uid ?? '';
        assert.ok(known.has(uid), `${d.uid} / ${p.title}: data source ${uid} is not a data source variable`);
        assert.ok(vars.has(uid.slice(2, -1)), `${d.uid} / ${p.title}: ${uid} is not defined`);
        assert.ok(t.refId, `${d.uid} / ${p.title}: a query without refId`);
      }
    }
    for (const q of panelQueries(d)) {
      for (const m of q.raw.matchAll(/\$(\w+)/g)) {
        assert.ok(vars.has(m[1]!) || builtins.has(m[1]!), `${d.uid} / ${q.panel}: undefined variable $${m[1]}`);
      }
    }
    for (const v of d.templating?.list ?? []) {
      const text = JSON.stringify(d.panels) + JSON.stringify(d.templating);
      const used =
        JSON.stringify(d.panels).includes(`$${v.name}`) ||
        JSON.stringify(d.templating).includes(`$${v.name}"`) ||
        text.includes(`\${${v.name}}`);
      assert.ok(used, `${d.uid}: variable ${v.name} is never used`);
    }
  }
});

test('the dashboards have the variables the issue asks for', () => {
  const vars = (uid: string) => (all.find((d) => d.uid === uid)?.templating?.list ?? []).map((v) => v.name);
  assert.ok(vars('foursignals-apis').includes('service'));
  assert.ok(vars('foursignals-databases').includes('database'));
  assert.ok(vars('foursignals-mes').includes('queue'));
  assert.ok(vars('foursignals-s3').includes('bucket'));
});

test('every Prometheus panel query is valid PromQL (promtool)', () => {
  const queries = all.flatMap((d) => panelQueries(d)).filter((q) => q.datasource === 'prometheus');
  assert.ok(queries.length > 40, `${queries.length} queries`);
  const dir = mkdtempSync(join(tmpdir(), 'foursignals-panels-'));
  try {
    const file = join(dir, 'panels.yml');
    const rules = queries.map((q, i) => ({ record: `panel:query:${i}`, expr: q.query }));
    writeFileSync(file, stringify({ groups: [{ name: 'panels', rules }] }, { lineWidth: 0 }));
    const r = spawnSync(process.env.PROMTOOL ?? 'promtool', ['check', 'rules', '--lint=none', file], {
      encoding: 'utf8',
    });
    if (r.error) throw new Error(`promtool not runnable (${r.error.message}): install Debian's prometheus package`);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the business dashboard reads InfluxDB and states its forecast method and error', () => {
  const business = all.find((d) => d.uid === 'foursignals-business')!;
  const qs = panelQueries(business);
  assert.ok(qs.every((q) => q.datasource === 'influxdb'));
  assert.ok(qs.some((q) => q.raw.includes('HOLT_WINTERS')));
  const text = JSON.stringify(business.panels);
  assert.match(text, /Holt-Winters/);
  assert.match(text, /Forecast error on past data/);
});

test('the import form asks for the data sources (__inputs) and the sidecar form is labelled for kube-prometheus-stack', () => {
  for (const d of all) {
    const form = JSON.parse(readFileSync(join(REPO_ROOT, IMPORT_DIR, `${d.uid}.json`), 'utf8')) as {
      __inputs: { name: string; type: string; pluginId: string }[];
      templating: { list: { type: string; name: string; current?: { value?: string } }[] };
    };
    const dsVars = form.templating.list.filter((v) => v.type === 'datasource');
    assert.ok(dsVars.length > 0, d.uid);
    for (const v of dsVars) {
      const input = form.__inputs.find((i) => `\${${i.name}}` === v.current?.value);
      assert.ok(input, `${d.uid}: $${v.name} defaults to no __inputs entry`);
      assert.equal(input.type, 'datasource');
      assert.equal(input.pluginId, v.name);
    }
  }
  const maps = parseAllDocuments(readFileSync(join(REPO_ROOT, SIDECAR_FILE), 'utf8')).map((doc) => doc.toJS()) as {
    kind: string;
    metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    data: Record<string, string>;
  }[];
  assert.equal(maps.length, all.length);
  for (const m of maps) {
    assert.equal(m.kind, 'ConfigMap');
    assert.equal(m.metadata.labels[config.grafana.sidecarLabel], config.grafana.sidecarLabelValue);
    assert.equal(m.metadata.annotations[config.grafana.folderAnnotation], config.grafana.folder);
    const [json] = Object.values(m.data);
    assert.ok(all.some((d) => d.uid === (JSON.parse(json!) as { uid: string }).uid));
  }
});
