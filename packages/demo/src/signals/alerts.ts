// Which of the alerts in deploy/prometheus/rules speak about which row of the seed's table, and the alerts firing
// now, read from Alertmanager. A row names alerts by pattern plus the labels that say which system the alert is
// about (an alert that does not carry such a label concerns every row of that kind, e.g. cluster-wide limits).
import { label, promLabel } from '@foursignals/metric-spec';
import { METRICS as PG } from '@foursignals/receiver-postgresql/metrics';
import { METRICS as RMQ } from '@foursignals/receiver-rabbitmq/metrics';
import type { SignalRow } from './table.ts';

export interface RowAlerts {
  /** Alert names (anchored regular expression). */
  names: RegExp;
  /** Labels the alert must carry with this value, when it carries them at all. */
  labels: Record<string, string>;
}

const API = /^(mes-api|shop-api|crm-api)\.(rps|errors|latency_p95)$/;
const PROCESS = /^(mes-api|mes-worker|mes-scheduler|shop-api|crm-api)\.(cpu|memory)$/;
const DB = /^db\.([^.]+)\.(errors|duration|connections|rps)$/;
const QUEUE = 'mes.cost-calculation';
// the label names come from the emitters' metric tables, as the rules' do
const SERVICE = promLabel('service.name');
const DATABASE = label(PG.rollbacks, 'db.namespace');
const QUEUE_NAME = label(RMQ.queueMessages, 'rabbitmq.queue.name');

/** The alerts of a row, by its id (undefined: no alert speaks about it). */
export function rowAlerts(row: Pick<SignalRow, 'id'>): RowAlerts | undefined {
  let m = API.exec(row.id);
  if (m) {
    const names = {
      rps: /^PipelineServiceData(Stale|Absent)$/,
      errors: /^ApiAvailability.*/,
      latency_p95: /^ApiLatency.*/,
    };
    return { names: names[m[2] as keyof typeof names], labels: { [SERVICE]: m[1]! } };
  }
  m = PROCESS.exec(row.id);
  if (m) return { names: m[2] === 'cpu' ? /^MesCpuSaturated$/ : /^MesMemoryHigh$/, labels: { [SERVICE]: m[1]! } };
  m = DB.exec(row.id);
  if (m) {
    const names = {
      rps: /^PipelineReceiverData(Stale|Absent)$|^ReceiverDown$/,
      errors: /^Postgresql(Deadlocks|Errors|RollbackRatioHigh)$/,
      duration: /^PostgresqlDurationRegression$/,
      connections: /^PostgresqlConnections.*/,
    };
    return { names: names[m[2] as keyof typeof names], labels: { [DATABASE]: m[1]! } };
  }
  const queue = { [QUEUE_NAME]: QUEUE };
  switch (row.id) {
    case 'rabbitmq.in_flight':
      return { names: /^MesBacklog.*/, labels: queue };
    case 'rabbitmq.consumers':
      return { names: /^MesQueueNoConsumers$/, labels: queue };
    case 'rabbitmq.dead_letters':
      return { names: /^MesDeadLetters(AboveUsual)?$/, labels: queue };
    case 's3.errors':
      return { names: /^S3(Client|Store)ErrorRatioHigh$/, labels: {} };
    case 's3.latency_p95':
      return { names: /^S3LatencyHigh$/, labels: {} };
    default:
      return undefined;
  }
}

/** An alert as Alertmanager's API v2 returns it (the fields used here). */
export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  status: { state: string };
}

/** Whether an alert speaks about a row. */
export function alertConcerns(alert: Pick<Alert, 'labels'>, ra: RowAlerts | undefined): boolean {
  if (!ra?.names.test(alert.labels.alertname ?? '')) return false;
  return Object.entries(ra.labels).every(([k, v]) => alert.labels[k] === undefined || alert.labels[k] === v);
}

/** The active, unsilenced alerts in Alertmanager; throws on a transport or API error. */
export async function firingAlerts(alertmanagerUrl: string, timeoutMs = 5000): Promise<Alert[]> {
  const u = new URL('/api/v2/alerts', alertmanagerUrl);
  u.searchParams.set('active', 'true');
  u.searchParams.set('silenced', 'false');
  u.searchParams.set('inhibited', 'false');
  const res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`alertmanager: ${res.status} ${await res.text()}`);
  return (await res.json()) as Alert[];
}
