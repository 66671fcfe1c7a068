// Renders the README's metric reference from the metric table (src/metrics.ts). `--write` updates README.md
// between the markers; without it, exits 1 when README.md has drifted (the test suite runs that check).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readmeWithMetricReference } from '@foursignals/receiver-core';
import { METRICS } from '../src/metrics.ts';

export const readmeWithMetrics = (readme: string): string => readmeWithMetricReference(readme, METRICS);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = fileURLToPath(new URL('../README.md', import.meta.url));
  const current = readFileSync(file, 'utf8');
  const wanted = readmeWithMetrics(current);
  if (process.argv.includes('--write')) writeFileSync(file, wanted);
  else if (wanted !== current) {
    console.error('README.md metric reference is out of date: run node scripts/metrics-doc.ts --write');
    process.exit(1);
  }
}
