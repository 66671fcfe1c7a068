// APIs (RED / golden signals): recording rules for the aggregates the dashboards and alerts read, and the SLO
// alerts: multi-window, multi-burn-rate error budget alerts (Google SRE workbook, "Alerting on SLOs", method 6)
// for availability (no 5xx) and latency (faster than the threshold), from the SLO of each service in the config.
import type { AlertConfig, SloService } from '../config.ts';
import { L, M } from '../metrics.ts';
import { type AlertingRule, alert, num, type RecordingRule, type RuleFile, recordName } from './common.ts';

const H = M.app.httpServerDuration;

/** The SRE workbook's windows and burn rates for a 30-day budget. */
export const BURN_WINDOWS = [
  { severity: 'critical', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'critical', long: '6h', short: '30m', factor: 6 },
  { severity: 'warning', long: '1d', short: '2h', factor: 3 },
  { severity: 'warning', long: '3d', short: '6h', factor: 1 },
] as const;

export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

export function availabilityRecord(window: string): string {
  return recordName([L.service], 'slo_availability_errors', `ratio_rate${window}`);
}

export function latencyRecord(window: string): string {
  return recordName([L.service], 'slo_latency_errors', `ratio_rate${window}`);
}

function sloRecords(services: readonly SloService[]): RecordingRule[] {
  const rules: RecordingRule[] = [];
  for (const w of SLO_WINDOWS) {
    rules.push({
      record: availabilityRecord(w),
      // `or ... * 0`: a service that never answered 5xx has no 5xx series; its error ratio is 0, not absent
      expr:
        `(\n  sum by (${L.service}) (rate(${H}_count{${L.status}=~"5.."}[${w}]))\n` +
        `  or\n  sum by (${L.service}) (rate(${H}_count[${w}])) * 0\n)\n` +
        `/\nsum by (${L.service}) (rate(${H}_count[${w}]))`,
    });
  }
  for (const s of services) {
    for (const w of SLO_WINDOWS) {
      rules.push({
        record: latencyRecord(w),
        labels: { [L.service]: s.service },
        expr:
          `1 - (\n  sum by (${L.service}) (rate(${H}_bucket{${L.service}="${s.service}", le="${num(s.latencyThreshold)}"}[${w}]))\n` +
          `  /\n  sum by (${L.service}) (rate(${H}_count{${L.service}="${s.service}"}[${w}]))\n)`,
      });
    }
  }
  return rules;
}

function burnExpr(record: (w: string) => string, service: string, budget: number, kind: 'page' | 'ticket'): string {
  const windows = BURN_WINDOWS.filter((b) => (kind === 'page' ? b.severity === 'critical' : b.severity === 'warning'));
  return windows
    .map((b) => {
      const threshold = num(b.factor * budget);
      return (
        `(\n  ${record(b.long)}{${L.service}="${service}"} > ${threshold}\n` +
        `  and\n  ${record(b.short)}{${L.service}="${service}"} > ${threshold}\n)`
      );
    })
    .join('\nor\n');
}

function sloAlerts(config: AlertConfig): AlertingRule[] {
  const rules: AlertingRule[] = [];
  for (const s of config.slo.services) {
    const availabilityBudget = 1 - s.availability;
    const latencyBudget = 1 - s.latency;
    const pct = (x: number) => `${num(x * 100)}%`;
    rules.push(
      alert(config, {
        alert: 'ApiAvailabilityBudgetBurnFast',
        expr: burnExpr(availabilityRecord, s.service, availabilityBudget, 'page'),
        for: '2m',
        severity: 'critical',
        labels: { [L.service]: s.service, slo: 'availability' },
        summary: `${s.service} is burning its availability error budget fast`,
        description:
          `{{ $labels.${L.service} }} answers {{ $value | humanizePercentage }} of its requests with 5xx: at this ` +
          `rate the ${config.slo.period} error budget of ${pct(availabilityBudget)} (SLO ${pct(s.availability)}) ` +
          `is gone within days (burn rate 14.4x over 1h and 5m, or 6x over 6h and 30m).`,
      }),
      alert(config, {
        alert: 'ApiAvailabilityBudgetBurnSlow',
        expr: burnExpr(availabilityRecord, s.service, availabilityBudget, 'ticket'),
        for: '15m',
        severity: 'warning',
        labels: { [L.service]: s.service, slo: 'availability' },
        summary: `${s.service} is slowly burning its availability error budget`,
        description:
          `{{ $labels.${L.service} }} answers {{ $value | humanizePercentage }} of its requests with 5xx: the ` +
          `${config.slo.period} error budget of ${pct(availabilityBudget)} (SLO ${pct(s.availability)}) will not ` +
          `last the period (burn rate 3x over 1d and 2h, or 1x over 3d and 6h).`,
      }),
      alert(config, {
        alert: 'ApiLatencyBudgetBurnFast',
        expr: burnExpr(latencyRecord, s.service, latencyBudget, 'page'),
        for: '2m',
        severity: 'critical',
        labels: { [L.service]: s.service, slo: 'latency' },
        summary: `${s.service} is too slow: latency error budget burning fast`,
        description:
          `{{ $value | humanizePercentage }} of {{ $labels.${L.service} }}'s requests take longer than ` +
          `${s.latencyThreshold}s; the objective is ${pct(s.latency)} faster, so the ${config.slo.period} budget ` +
          `is gone within days (burn rate 14.4x over 1h and 5m, or 6x over 6h and 30m).`,
      }),
      alert(config, {
        alert: 'ApiLatencyBudgetBurnSlow',
        expr: burnExpr(latencyRecord, s.service, latencyBudget, 'ticket'),
        for: '15m',
        severity: 'warning',
        labels: { [L.service]: s.service, slo: 'latency' },
        summary: `${s.service} is slowly burning its latency error budget`,
        description:
          `{{ $value | humanizePercentage }} of {{ $labels.${L.service} }}'s requests take longer than ` +
          `${s.latencyThreshold}s (objective ${pct(s.latency)} faster over ${config.slo.period}): the budget will ` +
          `not last the period (burn rate 3x over 1d and 2h, or 1x over 3d and 6h).`,
      }),
    );
  }
  return rules;
}

export function apiRules(config: AlertConfig): RuleFile {
  const byLabels = [L.service, L.route, L.method, L.status];
  const by = byLabels.join(', ');
  return {
    name: 'api',
    groups: [
      {
        name: 'foursignals-api-red',
        rules: [
          {
            record: recordName(byLabels, `${H}_count`, 'rate5m'),
            expr: `sum by (${by}) (rate(${H}_count[5m]))`,
          },
          {
            record: recordName([L.service], `${H}_count`, 'rate5m'),
            expr: `sum by (${L.service}) (rate(${H}_count[5m]))`,
          },
          {
            record: recordName([L.service], H, 'p95_5m'),
            expr: `histogram_quantile(0.95, sum by (${L.service}, le) (rate(${H}_bucket[5m])))`,
          },
          {
            record: recordName([L.service, L.route], H, 'p95_5m'),
            expr: `histogram_quantile(0.95, sum by (${L.service}, ${L.route}, le) (rate(${H}_bucket[5m])))`,
          },
        ],
      },
      // the SLO alerts after the records they read: rules in one group run in order, so they see this round's values
      { name: 'foursignals-api-slo', rules: [...sloRecords(config.slo.services), ...sloAlerts(config)] },
    ],
  };
}
