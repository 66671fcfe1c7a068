// The metric names the rules and dashboards use are the emitters' own declarations: every entry of SOURCES must
// match (name, instrument, unit) the table of the package that emits it, so a rename or a unit change there fails
// here instead of leaving a dashboard silently empty.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../src/generate.ts';
import { SOURCES } from '../src/metrics.ts';

interface Declared {
  name: string;
  instrument: string;
  unit: string;
  from: string;
}

async function table(pkg: string, file: string, exportName: string): Promise<Declared[]> {
  const path = join(REPO_ROOT, 'packages', pkg, file);
  const mod = (await import(path)) as Record<string, Record<string, Record<string, unknown>>>;
  const t = mod[exportName];
  assert.ok(t, `${pkg}/${file} exports no ${exportName}`);
  return Object.entries(t).map(([key, m]) => ({
    name: String(m.name ?? key),
    instrument: String(m.instrument ?? m.kind ?? 'counter'),
    unit: String(m.unit),
    from: pkg,
  }));
}

test('every metric the rules and dashboards read is declared the same way by its emitter', async () => {
  const declared: Declared[] = [
    ...(await table('otel-bootstrap', 'src/metrics.ts', 'METRICS')),
    ...(await table('receiver-postgresql', 'src/metrics.ts', 'METRICS')),
    ...(await table('receiver-s3', 'src/metrics.ts', 'METRICS')),
    // the demo's business metrics are all counters (created with createCounter)
    ...(await table('demo', 'src/common/business.ts', 'BUSINESS_METRICS')),
  ];
  // the RabbitMQ receiver lands separately; its table is checked as soon as it is in the tree
  if (existsSync(join(REPO_ROOT, 'packages', 'receiver-rabbitmq', 'src', 'metrics.ts'))) {
    declared.push(...(await table('receiver-rabbitmq', 'src/metrics.ts', 'METRICS')));
  }
  const byName = new Map(declared.map((d) => [d.name, d]));
  const runtime = new Set(['receiver.up', 'receiver.scrape.duration']); // the receivers runtime's own health metrics
  const problems: string[] = [];
  let checked = 0;
  for (const [key, s] of Object.entries(SOURCES)) {
    const d = byName.get(s.name);
    if (!d) {
      if (!runtime.has(s.name) && !s.name.startsWith('rabbitmq.'))
        problems.push(`${key}: ${s.name} is declared by no emitter`);
      continue;
    }
    checked++;
    if (d.instrument !== s.instrument)
      problems.push(`${key}: ${s.name} is a ${d.instrument} in ${d.from}, not ${s.instrument}`);
    if (d.unit !== s.unit) problems.push(`${key}: ${s.name} has unit ${d.unit} in ${d.from}, not ${s.unit}`);
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 18, `only ${checked} metrics checked`);
});
