// Shapes of a Prometheus rule file and the helpers every rule file uses.
import type { AlertConfig } from '../config.ts';

export type Severity = 'critical' | 'warning' | 'info';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string> & { severity: Severity };
  annotations: { summary: string; description: string; runbook_url: string };
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

/** One file under deploy/prometheus/rules/ (its promtool tests: deploy/prometheus/tests/<name>.test.yml). */
export interface RuleFile {
  name: string;
  groups: RuleGroup[];
}

/**
 * A recording rule's name, `level:metric:operations` (the Prometheus naming practice): the level is the label names
 * the result keeps, joined by `_`; the metric is the Prometheus name of what was aggregated (without `_total` once
 * rated); the operations are what was applied, e.g. `rate5m` or `p95_5m`.
 */
export function recordName(labels: readonly string[], metric: string, operations: string): string {
  const rated = /^(rate|increase|ratio_rate)/.test(operations);
  return `${labels.join('_')}:${rated ? metric.replace(/_total$/, '') : metric}:${operations}`;
}

/** The anchor of an alert's section in docs/runbook.md: its heading is the alert name. */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}

export interface AlertSpec {
  alert: string;
  expr: string;
  for?: string;
  severity: Severity;
  summary: string;
  description: string;
  labels?: Record<string, string>;
}

export function alert(config: AlertConfig, spec: AlertSpec): AlertingRule {
  return {
    alert: spec.alert,
    expr: spec.expr,
    ...(spec.for ? { for: spec.for } : {}),
    labels: { severity: spec.severity, ...spec.labels },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: `${config.runbookUrl}#${runbookAnchor(spec.alert)}`,
    },
  };
}

export function isAlert(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}

/** `a|b|c` for a regex matcher over exact names (regex metacharacters escaped). */
export function anyOf(names: readonly string[]): string {
  return names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|');
}

/** Formats a number for PromQL without exponent noise (0.1 * 14.4 -> 1.44). */
export function num(n: number): string {
  return String(Number(n.toPrecision(12)));
}
