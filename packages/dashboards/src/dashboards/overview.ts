// Overview: the Four Golden Signals of every API side by side, the MES queue, and the health of the pipeline.
import type { AlertConfig } from '../config.ts';
import { cpuOf, L, M, S3_CALLS, SOURCES } from '../metrics.ts';
import { failedPointsRate, RECEIVER_HEARTBEAT, SERVICE_HEARTBEAT } from '../rules/pipeline.ts';
import { type Dashboard, dashboard, labelVar, prom, shareOf, single, ts } from './lib.ts';

const H = M.app.httpServerDuration;
const S = `${L.service}=~"$service"`;

export function overviewDashboard(config: AlertConfig): Dashboard {
  return dashboard({
    uid: 'foursignals-overview',
    title: 'foursignals / Overview',
    description:
      'The Four Golden Signals (traffic, errors, latency, saturation) of every API side by side, the MES backlog, ' +
      'and whether the monitoring pipeline itself is delivering data.',
    tags: ['overview', 'golden-signals'],
    variables: [labelVar('service', `${H}_count`, L.service, { label: 'Service', description: 'service.name' })],
    items: [
      { row: 'Golden signals by service' },
      ts('Traffic', [prom(`sum by (${L.service}) (rate(${H}_count{${S}}[$__rate_interval]))`, `{{${L.service}}}`)], {
        description: 'Requests per second by service.',
        unit: 'reqps',
        span: 6,
      }),
      ts('Errors (5xx ratio)', [prom(shareOf(`${H}_count`, S, `${L.status}=~"5.."`, L.service), `{{${L.service}}}`)], {
        description: 'Share of requests answered 5xx, by service.',
        unit: 'percentunit',
        span: 6,
        min: 0,
      }),
      ts(
        'Latency (p95)',
        [
          prom(
            `histogram_quantile(0.95, sum by (${L.service}, le) (rate(${H}_bucket{${S}}[$__rate_interval])))`,
            `{{${L.service}}}`,
          ),
        ],
        { description: `95th percentile of ${SOURCES.app.httpServerDuration.name} by service.`, unit: 's', span: 6 },
      ),
      ts('Saturation (CPU)', [prom(`max by (${L.service}) (${cpuOf()})`, `{{${L.service}}}`)], {
        description: `${SOURCES.app.cpuUtilization.name} of every instrumented process (APIs and the MES worker).`,
        unit: 'percentunit',
        span: 6,
        min: 0,
        threshold: config.mes.cpuUtilization,
      }),
      { row: 'MES, databases, S3' },
      single('Orders in flight', [prom(`sum(${M.rmq.queueMessages})`)], {
        description: `${SOURCES.rmq.queueMessages.name} summed over every queue and state (ready + unacknowledged).`,
        span: 4,
      }),
      single('Dead letters per minute', [prom(`sum(rate(${M.rmq.deadLettered}[$__rate_interval])) * 60`)], {
        description: 'Messages dead-lettered per minute, all queues and reasons.',
        unit: 'short',
        span: 4,
        threshold: 1,
      }),
      single('DB statements per second', [prom(`sum(rate(${M.pg.queryCalls}[$__rate_interval]))`)], {
        description: `${SOURCES.pg.queryCalls.name} per second, every database.`,
        unit: 'ops',
        span: 4,
      }),
      single(
        'S3 calls per second',
        [prom(`sum(rate(${M.app.s3ClientDuration}_count{${S3_CALLS}}[$__rate_interval]))`)],
        {
          description: `${SOURCES.app.s3ClientDuration.name} count per second: S3 calls of every application.`,
          unit: 'reqps',
          span: 4,
        },
      ),
      single('Firing alerts', [prom('count(ALERTS{alertstate="firing"}) or vector(0)')], {
        description: 'Alerts firing now in Prometheus (all severities).',
        span: 4,
        threshold: 1,
      }),
      single(
        'MES API daily active users',
        [prom(`max(${M.app.usersActive}{${L.service}="${config.mes.apiService}", ${L.usersWindow}="day"})`)],
        { description: `${SOURCES.app.usersActive.name}, window day.`, span: 4 },
      ),
      { row: 'Pipeline health' },
      ts('Receivers up', [prom(`max by (${L.receiverName}) (${M.receiver.up})`, `{{${L.receiverName}}}`)], {
        description: `${SOURCES.receiver.up.name} of every receiver instance (1 = last scrape succeeded).`,
        span: 8,
        min: 0,
        max: 1,
      }),
      ts(
        'Data age by source',
        [
          prom(`time() - max by (${L.service}) (timestamp(${SERVICE_HEARTBEAT}))`, `{{${L.service}}}`),
          prom(`time() - max by (${L.receiverName}) (timestamp(${RECEIVER_HEARTBEAT}))`, `{{${L.receiverName}}}`),
        ],
        {
          description:
            'Seconds since the newest sample of each service and receiver reached Prometheus: a stalled pipeline ' +
            'shows as a climbing line, not as calm zeros.',
          unit: 's',
          span: 8,
          min: 0,
        },
      ),
      ts('Collector export failures', [prom(failedPointsRate('$__rate_interval'), `{{${L.exporter}}}`)], {
        description: 'Metric points the collector failed to send, per second, by exporter.',
        unit: 'short',
        span: 8,
      }),
    ],
  });
}
