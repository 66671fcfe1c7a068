import { attributeList, cell, mappingTable, markdownTable, promName } from '@foursignals/metric-spec';
import { HEALTH_METRICS, type MetricTable, type ReceiverFactory } from '@foursignals/receiver-core';

function table(metrics: MetricTable): string[] {
  const rows = Object.values(metrics).map((spec) => {
    return [
      `\`${spec.name}\``,
      spec.instrument,
      `\`${spec.unit}\``,
      attributeList(spec.attributes),
      spec.enabled ? 'yes' : 'no',
      cell(spec.description),
    ];
  });
  return markdownTable(['metric', 'instrument', 'unit', 'attributes', 'on by default', 'description'], rows);
}

/** The metric reference (packages/receivers/METRICS.md), derived from the metric tables; a test fails on drift. */
export function metricReference(factories: readonly ReceiverFactory[]): string {
  const example = Object.values(factories[0]?.metrics ?? HEALTH_METRICS).find(
    (m) => m.instrument === 'counter' && m.unit === 's',
  );
  const lines = [
    '# Receiver metrics',
    '',
    "<!-- Generated from the receivers' metric tables by `npm run docs -w packages/receivers`; do not edit. -->",
    '',
    'Every point of a receiver instance also carries `receiver.name` (its key in receivers.yaml, e.g.',
    '`postgresql/shop`). Switch a metric off per instance with `metrics: { <name>: { enabled: false } }`.',
    'In Prometheus, dots become underscores, counters end in `_total` and units are suffixed',
    example ? `(\`${example.name}\` -> \`${promName(example)}\`).` : '',
    '',
    '## Health of every receiver instance',
    '',
    ...table(HEALTH_METRICS),
  ];
  for (const factory of factories) {
    lines.push('', `## \`${factory.type}\``, '', ...table(factory.metrics));
  }
  lines.push(
    '',
    '## Names and the ecosystem',
    '',
    'Where collector-contrib has a receiver that measures the same thing, our metric has its name and attributes,',
    'so queries written against contrib keep working; the rest are ours, `<system>.<entity>.<measure>`, and collide',
    "with no series of the broker's or the store's own exporters (RabbitMQ's `rabbitmq_prometheus` plugin, SeaweedFS).",
    '',
    ...mappingTable([...Object.values(HEALTH_METRICS), ...factories.flatMap((f) => Object.values(f.metrics))]),
  );
  return `${lines.join('\n')}\n`;
}
