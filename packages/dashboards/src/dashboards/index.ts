import type { AlertConfig } from '../config.ts';
import { apisDashboard } from './apis.ts';
import { businessDashboard } from './business.ts';
import { databasesDashboard } from './databases.ts';
import type { Dashboard } from './lib.ts';
import { mesDashboard } from './mes.ts';
import { overviewDashboard } from './overview.ts';
import { pipelineDashboard } from './pipeline.ts';
import { s3Dashboard } from './s3.ts';

export type { Dashboard } from './lib.ts';
export { INFLUXDB, PROMETHEUS } from './lib.ts';

/** Every dashboard, in menu order. */
export function dashboards(config: AlertConfig): Dashboard[] {
  return [
    overviewDashboard(config),
    mesDashboard(config),
    apisDashboard(config),
    databasesDashboard(config),
    s3Dashboard(config),
    businessDashboard(config),
    pipelineDashboard(config),
  ];
}
