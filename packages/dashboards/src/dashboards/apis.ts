// APIs: RED / Four Golden Signals per service, route, method and status; DAU for the MES API.
import type { AlertConfig } from '../config.ts';
import { cpuOf, L, M, SOURCES } from '../metrics.ts';
import { type Dashboard, dashboard, labelVar, prom, shareOf, single, ts } from './lib.ts';

const H = M.app.httpServerDuration;
const SEL = `${L.service}=~"$service", ${L.route}=~"$route", ${L.method}=~"$method"`;

export function apisDashboard(config: AlertConfig): Dashboard {
  const mesApi = config.mes.apiService;
  return dashboard({
    uid: 'foursignals-apis',
    title: 'foursignals / APIs (RED, golden signals)',
    description:
      `Rate, errors and duration of every HTTP API (${SOURCES.app.httpServerDuration.name} from otel-bootstrap), by service, ` +
      'route template, method and status code; CPU and memory of each service; daily active users of the MES API.',
    tags: ['red', 'golden-signals', 'http'],
    variables: [
      labelVar('service', `${H}_count`, L.service, { label: 'Service', description: 'service.name of the API' }),
      labelVar('route', `${H}_count{${L.service}=~"$service"}`, L.route, {
        label: 'Route',
        description: 'http.route (the route template)',
      }),
      labelVar('method', `${H}_count{${L.service}=~"$service"}`, L.method, {
        label: 'Method',
        description: 'http.request.method',
      }),
    ],
    items: [
      { row: 'Traffic' },
      single('Requests per second', [prom(`sum(rate(${H}_count{${SEL}}[$__rate_interval]))`)], {
        description: 'All selected requests per second.',
        unit: 'reqps',
        span: 6,
      }),
      single('Error ratio (5xx)', [prom(shareOf(`${H}_count`, SEL, `${L.status}=~"5.."`, ''))], {
        description: 'Share of the selected requests answered 5xx.',
        unit: 'percentunit',
        span: 6,
        threshold: 0.01,
      }),
      single(
        'p95 latency',
        [prom(`histogram_quantile(0.95, sum by (le) (rate(${H}_bucket{${SEL}}[$__rate_interval])))`)],
        { description: `95th percentile of ${SOURCES.app.httpServerDuration.name}.`, unit: 's', span: 6 },
      ),
      single(
        'MES API daily active users',
        [prom(`max(${M.app.usersActive}{${L.service}="${mesApi}", ${L.usersWindow}="day"})`)],
        {
          description: `${SOURCES.app.usersActive.name}{app.users.window="day"} of ${mesApi}: distinct users seen this UTC day (HyperLogLog estimate, hashed identities).`,
          unit: 'short',
          span: 6,
        },
      ),
      ts(
        'Requests per second by route and method',
        [
          prom(
            `sum by (${L.service}, ${L.route}, ${L.method}) (rate(${H}_count{${SEL}}[$__rate_interval]))`,
            `{{${L.service}}} {{${L.method}}} {{${L.route}}}`,
          ),
        ],
        { description: 'Traffic: requests per second by service, route template and method.', unit: 'reqps', span: 12 },
      ),
      ts(
        'Requests per second by status code',
        [
          prom(
            `sum by (${L.service}, ${L.status}) (rate(${H}_count{${SEL}}[$__rate_interval]))`,
            `{{${L.service}}} {{${L.status}}}`,
          ),
        ],
        { description: 'Requests per second by service and HTTP status code.', unit: 'reqps', span: 12, stack: true },
      ),
      { row: 'Errors' },
      ts(
        'HTTP errors per second (4xx and 5xx) by route, method and status',
        [
          prom(
            `sum by (${L.service}, ${L.route}, ${L.method}, ${L.status}) (rate(${H}_count{${SEL}, ${L.status}=~"[45].."}[$__rate_interval]))`,
            `{{${L.service}}} {{${L.method}}} {{${L.route}}} {{${L.status}}}`,
          ),
        ],
        {
          description: 'Errors: requests answered 4xx or 5xx, by service, route, method and status code.',
          unit: 'reqps',
          span: 12,
        },
      ),
      ts(
        '5xx ratio by service',
        [prom(shareOf(`${H}_count`, SEL, `${L.status}=~"5.."`, L.service), `{{${L.service}}}`)],
        {
          description:
            'Share of requests answered 5xx (the availability SLI of the SLO alerts; see deploy/prometheus/config.yml).',
          unit: 'percentunit',
          span: 12,
          min: 0,
        },
      ),
      { row: 'Duration' },
      ts(
        'Latency p50 / p95 / p99 by service',
        [0.5, 0.95, 0.99].map((q) =>
          prom(
            `histogram_quantile(${q}, sum by (${L.service}, le) (rate(${H}_bucket{${SEL}}[$__rate_interval])))`,
            `{{${L.service}}} p${q * 100}`,
          ),
        ),
        {
          description: `Quantiles of ${SOURCES.app.httpServerDuration.name}, estimated from the histogram buckets.`,
          unit: 's',
          span: 12,
        },
      ),
      ts(
        'p95 latency by route',
        [
          prom(
            `histogram_quantile(0.95, sum by (${L.service}, ${L.route}, ${L.method}, le) (rate(${H}_bucket{${SEL}}[$__rate_interval])))`,
            `{{${L.service}}} {{${L.method}}} {{${L.route}}}`,
          ),
        ],
        { description: 'Response time by service, route and method (95th percentile).', unit: 's', span: 12 },
      ),
      { row: 'Saturation' },
      ts(
        'CPU utilization',
        [prom(`max by (${L.service}) (${cpuOf(`${L.service}=~"$service"`)})`, `{{${L.service}}}`)],
        {
          description: `${SOURCES.app.cpuUtilization.name}: share of the CPUs available to the process.`,
          unit: 'percentunit',
          span: 8,
          min: 0,
        },
      ),
      ts(
        'Memory (RSS)',
        [prom(`max by (${L.service}) (${M.app.memoryUsage}{${L.service}=~"$service"})`, `{{${L.service}}}`)],
        {
          description: `${SOURCES.app.memoryUsage.name}: resident set size of the process.`,
          unit: 'bytes',
          span: 8,
          min: 0,
        },
      ),
      ts(
        'Event loop utilization and delay (p99)',
        [
          prom(
            `max by (${L.service}) (${M.app.eventLoopUtilization}{${L.service}=~"$service"})`,
            '{{' + L.service + '}} utilization',
          ),
          prom(
            `max by (${L.service}) (${M.app.eventLoopDelayP99}{${L.service}=~"$service"})`,
            '{{' + L.service + '}} delay p99',
          ),
        ],
        {
          description:
            `${SOURCES.app.eventLoopUtilization.name} (share of time the event loop was busy; near 1 = saturated even when the ` +
            `CPU is not) and ${SOURCES.app.eventLoopDelayP99.name} (seconds a ready callback waited).`,
          unit: 'short',
          span: 8,
          min: 0,
        },
      ),
      ts(
        'Active users of the MES API (day, week, month)',
        [prom(`max by (${L.usersWindow}) (${M.app.usersActive}{${L.service}="${mesApi}"})`, `{{${L.usersWindow}}}`)],
        {
          description: `${SOURCES.app.usersActive.name} by window: distinct users in the current UTC day / week / month (HyperLogLog estimate).`,
          unit: 'short',
          span: 8,
          min: 0,
        },
      ),
    ],
  });
}
