import { HEALTH_METRICS, type MetricTable, type ReceiverFactory } from '@foursignals/receiver-core';

/** A markdown table with padded columns, as `biome format` writes it (so the formatter leaves it alone). */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function table(metrics: MetricTable): string[] {
  const rows = Object.values(metrics).map((spec) => {
    const attributes = Object.entries(spec.attributes)
      .map(([name, attr]) => (attr.values ? `\`${name}\` (${attr.values.join(', ')})` : `\`${name}\``))
      .join(', ');
    return [
      `\`${spec.name}\``,
      spec.instrument,
      `\`${spec.unit}\``,
      attributes || '-',
      spec.enabled ? 'yes' : 'no',
      spec.description.replaceAll('|', '\\|'),
    ];
  });
  return markdownTable(['metric', 'instrument', 'unit', 'attributes', 'on by default', 'description'], rows);
}

/** The metric reference (packages/receivers/METRICS.md), derived from the metric tables; a test fails on drift. */
export function metricReference(factories: readonly ReceiverFactory[]): string {
  const lines = [
    '# Receiver metrics',
    '',
    "<!-- Generated from the receivers' metric tables by `npm run docs -w packages/receivers`; do not edit. -->",
    '',
    'Every point of a receiver instance also carries `receiver.name` (its key in receivers.yaml, e.g.',
    '`postgresql/shop`). Switch a metric off per instance with `metrics: { <name>: { enabled: false } }`.',
    'In Prometheus, dots become underscores, counters end in `_total` and units are suffixed',
    '(`postgresql.statement.time` -> `postgresql_statement_time_seconds_total`).',
    '',
    '## Health of every receiver instance',
    '',
    ...table(HEALTH_METRICS),
  ];
  for (const factory of factories) {
    lines.push('', `## \`${factory.type}\``, '', ...table(factory.metrics));
  }
  return `${lines.join('\n')}\n`;
}
