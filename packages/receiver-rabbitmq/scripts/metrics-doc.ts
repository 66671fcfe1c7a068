// Renders the README's metric reference from the metric table (src/metrics.ts). `--write` updates README.md
// between the markers; without it, exits 1 when README.md has drifted (the test suite runs that check).
import { fileURLToPath } from 'node:url';
import { metricReferenceCli, readmeWithMetricReference } from '@foursignals/receiver-core';
import { METRICS } from '../src/metrics.ts';

export const readmeWithMetrics = (readme: string): string => readmeWithMetricReference(readme, METRICS);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  metricReferenceCli(fileURLToPath(new URL('../README.md', import.meta.url)), METRICS);
}
