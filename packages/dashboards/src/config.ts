// The one alerting config (deploy/prometheus/config.yml): SLOs per service and every threshold of the rules.
// Loading collects every problem with its path before failing, so one run lists them all.
import { readFileSync } from 'node:fs';
import { METRICS } from '@foursignals/otel-bootstrap/metrics';
import { parse } from 'yaml';

export interface SloService {
  service: string;
  /** Share of requests not answered 5xx, e.g. 0.995. */
  availability: number;
  /** Share of requests faster than `latencyThreshold`, e.g. 0.99. */
  latency: number;
  /** Seconds; a bucket boundary of http.server.request.duration. */
  latencyThreshold: number;
}

export interface AlertConfig {
  /** Absolute URL of the runbook; an alert's runbook_url is this + '#' + its anchor. */
  runbookUrl: string;
  /** Labels of the generated PrometheusRule objects (what the Prometheus operator's ruleSelector matches). */
  prometheusRuleLabels: Record<string, string>;
  grafana: {
    /** Label (and value) the kube-prometheus-stack dashboard sidecar selects ConfigMaps by. */
    sidecarLabel: string;
    sidecarLabelValue: string;
    /** Grafana folder of the dashboards (provisioning, and the sidecar's folder annotation). */
    folder: string;
    /** Annotation the sidecar reads the folder from (its `folderAnnotation`). */
    folderAnnotation: string;
  };
  slo: { period: string; services: SloService[] };
  mes: {
    /** service.name of the MES API (its DAU is shown). */
    apiService: string;
    services: string[];
    cpuUtilization: number;
    cpuFor: string;
    memoryBytes: number;
    memoryFor: string;
  };
  queues: {
    workQueues: string;
    notWorkQueues: string;
    noConsumersFor: string;
    growthWindow: string;
    growingFor: string;
    backlogLimit: number;
    predictWindow: string;
    predictAhead: string;
    predictMinRatio: number;
    deadLetterFactor: number;
    deadLettersFloorPerMinute: number;
    deadLettersFor: string;
  };
  databases: {
    connectionsRatio: number;
    connectionsFor: string;
    predictWindow: string;
    predictAhead: string;
    predictMinRatio: number;
    rollbackRatio: number;
    regressionFactor: number;
    regressionFloorSeconds: number;
  };
  s3: { errorRatio: number; latencyP95Seconds: number };
  pipeline: {
    receiverDownFor: string;
    queueRatio: number;
    staleAfter: string;
    services: string[];
    receivers: string[];
  };
}

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
/** The bucket boundaries of http.server.request.duration, from its declaration. */
const BUCKETS: readonly number[] = METRICS.httpServerDuration.buckets;

/** Seconds in a Prometheus duration such as `1h30m`. */
export function durationSeconds(d: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const m of d.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

class Reader {
  readonly errors: string[] = [];

  section(root: unknown, path: string): Record<string, unknown> {
    if (root !== null && typeof root === 'object' && !Array.isArray(root)) return root as Record<string, unknown>;
    this.errors.push(`${path}: expected a mapping`);
    return {};
  }

  number(obj: Record<string, unknown>, key: string, path: string, min: number, max: number): number {
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.errors.push(`${path}.${key}: expected a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return Number.NaN;
    }
    return v;
  }

  ratio(obj: Record<string, unknown>, key: string, path: string): number {
    const v = obj[key];
    if (typeof v !== 'number' || !(v > 0 && v < 1)) {
      this.errors.push(`${path}.${key}: expected a number between 0 and 1 (exclusive), got ${JSON.stringify(v)}`);
      return Number.NaN;
    }
    return v;
  }

  duration(obj: Record<string, unknown>, key: string, path: string): string {
    const v = obj[key];
    if (typeof v !== 'string' || !DURATION.test(v)) {
      this.errors.push(`${path}.${key}: expected a duration like 5m, got ${JSON.stringify(v)}`);
      return '1m';
    }
    return v;
  }

  string(obj: Record<string, unknown>, key: string, path: string): string {
    const v = obj[key];
    if (typeof v !== 'string' || v === '') {
      this.errors.push(`${path}.${key}: expected a non-empty string, got ${JSON.stringify(v)}`);
      return '';
    }
    return v;
  }

  regex(obj: Record<string, unknown>, key: string, path: string): string {
    const v = this.string(obj, key, path);
    try {
      new RegExp(`^(?:${v})$`);
    } catch (e) {
      this.errors.push(`${path}.${key}: not a valid regular expression: ${(e as Error).message}`);
    }
    return v;
  }

  /** An absolute http(s) URL (a relative link is not clickable from a pager or a chat message). */
  url(obj: Record<string, unknown>, key: string, path: string): string {
    const v = this.string(obj, key, path);
    if (v === '') return v;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(u.protocol);
      if (u.hash !== '') this.errors.push(`${path}.${key}: no #fragment (the alert's anchor is appended), got ${v}`);
    } catch {
      this.errors.push(`${path}.${key}: expected an absolute http(s) URL, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  /** A mapping of Kubernetes label names to values (an empty mapping when absent). */
  labels(obj: Record<string, unknown>, key: string, path: string): Record<string, string> {
    const v = obj[key] ?? {};
    const out: Record<string, string> = {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.errors.push(`${path}.${key}: expected a mapping of label names to values`);
      return out;
    }
    for (const [k, value] of Object.entries(v)) {
      if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/.test(k)) {
        this.errors.push(`${path}.${key}: ${JSON.stringify(k)} is not a Kubernetes label name`);
      } else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        this.errors.push(`${path}.${key}.${k}: expected a string value, got ${JSON.stringify(value)}`);
      } else out[k] = String(value);
    }
    return out;
  }

  strings(obj: Record<string, unknown>, key: string, path: string): string[] {
    const v = obj[key];
    if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || s === '')) {
      this.errors.push(`${path}.${key}: expected a non-empty list of names, got ${JSON.stringify(v)}`);
      return [];
    }
    return v as string[];
  }
}

/** Validates a parsed config; throws one error listing every problem, each with its path. */
export function parseConfig(raw: unknown, source = 'config'): AlertConfig {
  const r = new Reader();
  const root = r.section(raw, source);
  const slo = r.section(root.slo, 'slo');
  const services: SloService[] = [];
  if (!Array.isArray(slo.services) || slo.services.length === 0) {
    r.errors.push('slo.services: expected a non-empty list');
  } else {
    const seen = new Set<string>();
    slo.services.forEach((s: unknown, i: number) => {
      const path = `slo.services[${i}]`;
      const o = r.section(s, path);
      const svc: SloService = {
        service: r.string(o, 'service', path),
        availability: r.ratio(o, 'availability', path),
        latency: r.ratio(o, 'latency', path),
        latencyThreshold: r.number(o, 'latency_threshold', path, 0, 3600),
      };
      if (!BUCKETS.includes(svc.latencyThreshold)) {
        r.errors.push(`${path}.latency_threshold: must be one of the histogram buckets ${BUCKETS.join(', ')}`);
      }
      if (seen.has(svc.service)) r.errors.push(`${path}.service: ${svc.service} is listed twice`);
      seen.add(svc.service);
      services.push(svc);
    });
  }
  const mes = r.section(root.mes, 'mes');
  const queues = r.section(root.queues, 'queues');
  const db = r.section(root.databases, 'databases');
  const s3 = r.section(root.s3, 's3');
  const pipe = r.section(root.pipeline, 'pipeline');
  const grafana = r.section(root.grafana, 'grafana');
  const config: AlertConfig = {
    runbookUrl: r.url(root, 'runbook_url', source),
    prometheusRuleLabels: r.labels(
      r.section(root.prometheus_rule ?? {}, 'prometheus_rule'),
      'labels',
      'prometheus_rule',
    ),
    grafana: {
      sidecarLabel: r.string(grafana, 'sidecar_label', 'grafana'),
      sidecarLabelValue: r.string(grafana, 'sidecar_label_value', 'grafana'),
      folder: r.string(grafana, 'folder', 'grafana'),
      folderAnnotation: r.string(grafana, 'folder_annotation', 'grafana'),
    },
    slo: { period: r.duration(slo, 'period', 'slo'), services },
    mes: {
      apiService: r.string(mes, 'api_service', 'mes'),
      services: r.strings(mes, 'services', 'mes'),
      cpuUtilization: r.ratio(mes, 'cpu_utilization', 'mes'),
      cpuFor: r.duration(mes, 'cpu_for', 'mes'),
      memoryBytes: r.number(mes, 'memory_bytes', 'mes', 1, 2 ** 50),
      memoryFor: r.duration(mes, 'memory_for', 'mes'),
    },
    queues: {
      workQueues: r.regex(queues, 'work_queues', 'queues'),
      notWorkQueues: r.regex(queues, 'not_work_queues', 'queues'),
      noConsumersFor: r.duration(queues, 'no_consumers_for', 'queues'),
      growthWindow: r.duration(queues, 'growth_window', 'queues'),
      growingFor: r.duration(queues, 'growing_for', 'queues'),
      backlogLimit: r.number(queues, 'backlog_limit', 'queues', 1, 1e12),
      predictWindow: r.duration(queues, 'predict_window', 'queues'),
      predictAhead: r.duration(queues, 'predict_ahead', 'queues'),
      predictMinRatio: r.ratio(queues, 'predict_min_ratio', 'queues'),
      deadLetterFactor: r.number(queues, 'dead_letter_factor', 'queues', 1, 1000),
      deadLettersFloorPerMinute: r.number(queues, 'dead_letters_floor_per_minute', 'queues', 0, 1e9),
      deadLettersFor: r.duration(queues, 'dead_letters_for', 'queues'),
    },
    databases: {
      connectionsRatio: r.ratio(db, 'connections_ratio', 'databases'),
      connectionsFor: r.duration(db, 'connections_for', 'databases'),
      predictWindow: r.duration(db, 'predict_window', 'databases'),
      predictAhead: r.duration(db, 'predict_ahead', 'databases'),
      predictMinRatio: r.ratio(db, 'predict_min_ratio', 'databases'),
      rollbackRatio: r.ratio(db, 'rollback_ratio', 'databases'),
      regressionFactor: r.number(db, 'regression_factor', 'databases', 1, 1000),
      regressionFloorSeconds: r.number(db, 'regression_floor_seconds', 'databases', 0, 3600),
    },
    s3: {
      errorRatio: r.ratio(s3, 'error_ratio', 's3'),
      latencyP95Seconds: r.number(s3, 'latency_p95_seconds', 's3', 0, 3600),
    },
    pipeline: {
      receiverDownFor: r.duration(pipe, 'receiver_down_for', 'pipeline'),
      queueRatio: r.ratio(pipe, 'queue_ratio', 'pipeline'),
      staleAfter: r.duration(pipe, 'stale_after', 'pipeline'),
      services: r.strings(pipe, 'services', 'pipeline'),
      receivers: r.strings(pipe, 'receivers', 'pipeline'),
    },
  };
  if (r.errors.length > 0) {
    throw new Error(`invalid alerting config ${source} (${r.errors.length} problems):\n  ${r.errors.join('\n  ')}`);
  }
  return config;
}

export function loadConfig(file: string): AlertConfig {
  return parseConfig(parse(readFileSync(file, 'utf8')), file);
}
