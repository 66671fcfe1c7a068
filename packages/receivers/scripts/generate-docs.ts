// Writes METRICS.md from the receivers' metric tables (run after a table or the registry changes).
import { writeFileSync } from 'node:fs';
import { metricReference } from '../src/docs.ts';
import { RECEIVER_FACTORIES } from '../src/registry.ts';

writeFileSync(new URL('../METRICS.md', import.meta.url), metricReference(RECEIVER_FACTORIES));
