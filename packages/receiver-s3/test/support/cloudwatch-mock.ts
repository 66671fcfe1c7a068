// A local CloudWatch endpoint for the AWS mode's contract tests. AWS itself cannot be reached from here.
//
// It speaks the wire protocol that @aws-sdk/client-cloudwatch (3.11xx) actually sends: AWS JSON 1.0
// (`POST /`, `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target: GraniteServiceVersion20100801.<Op>`,
// `x-amzn-query-mode: true`), timestamps as epoch seconds. Anything else is answered with an error, so a protocol
// change in a future SDK fails the tests loudly instead of passing silently.
//
// GetMetricData follows the documented behaviour: at most 500 queries per call, Ids unique and matching
// ^[a-z][a-zA-Z0-9_]*$, StartTime inclusive and EndTime exclusive, datapoints at period-aligned timestamps,
// results with Id/Label/Timestamps/Values/StatusCode, and NextToken paging with StatusCode PartialData when a
// call would return more than `maxDatapointsPerCall` datapoints (AWS: 100,800).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Dimension {
  Name: string;
  Value: string;
}

export interface SeriesInput {
  namespace?: string;
  metricName: string;
  dimensions: Dimension[];
  /** Statistic the values are for (Sum, Average, p99, ...). */
  stat: string;
  /** Datapoints: timestamp (ms since epoch, the start of the period) -> value. */
  points: Array<[number, number]>;
}

export interface RecordedCall {
  target: string;
  startTime: number;
  endTime: number;
  queries: Array<{ id: string; metricName: string; dimensions: Dimension[]; period: number; stat: string }>;
  nextToken: string | undefined;
}

interface MetricDataQueryJson {
  Id: string;
  ReturnData?: boolean;
  MetricStat?: {
    Metric: { Namespace: string; MetricName: string; Dimensions?: Dimension[] };
    Period: number;
    Stat: string;
  };
}

function seriesKey(namespace: string, metricName: string, dimensions: Dimension[], stat: string): string {
  const dims = [...dimensions]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((d) => `${d.Name}=${d.Value}`)
    .join(',');
  return `${namespace}|${metricName}|${dims}|${stat}`;
}

export class CloudWatchMock {
  readonly #server: Server;
  readonly #series = new Map<string, Map<number, number>>();
  readonly calls: RecordedCall[] = [];
  /** Answer every GetMetricData with this many 500 InternalServiceFault errors before serving again. */
  failures = 0;
  maxDatapointsPerCall = 100_800;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => this.#error(res, 500, 'InternalServiceFault', String(err)));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  put(input: SeriesInput): void {
    const key = seriesKey(input.namespace ?? 'AWS/S3', input.metricName, input.dimensions, input.stat);
    const series = this.#series.get(key) ?? new Map<number, number>();
    for (const [t, v] of input.points) series.set(t, v);
    this.#series.set(key, series);
  }

  clear(): void {
    this.#series.clear();
    this.calls.length = 0;
  }

  #error(res: ServerResponse, status: number, code: string, message: string): void {
    if (res.headersSent) return;
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': crypto.randomUUID(),
      // awsQueryCompatible services send the awsQuery error code and fault here.
      'x-amzn-query-error': `${code};${status >= 500 ? 'Receiver' : 'Sender'}`,
    });
    res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message }));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const contentType = String(req.headers['content-type'] ?? '');
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !contentType.startsWith('application/x-amz-json-1.0')) {
      return this.#error(res, 400, 'UnsupportedProtocol', `expected AWS JSON 1.0, got ${req.method} ${contentType}`);
    }
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
      return this.#error(res, 403, 'MissingAuthenticationToken', 'request is not signed with SigV4');
    }
    if (target !== 'GraniteServiceVersion20100801.GetMetricData') {
      return this.#error(res, 400, 'InvalidAction', `unsupported operation ${target}`);
    }
    const input = JSON.parse(body) as {
      MetricDataQueries?: MetricDataQueryJson[];
      StartTime?: number;
      EndTime?: number;
      NextToken?: string;
      ScanBy?: string;
    };
    const queries = input.MetricDataQueries ?? [];
    const startTime = Math.round((input.StartTime ?? Number.NaN) * 1000);
    const endTime = Math.round((input.EndTime ?? Number.NaN) * 1000);
    this.calls.push({
      target,
      startTime,
      endTime,
      nextToken: input.NextToken,
      queries: queries.map((q) => ({
        id: q.Id,
        metricName: q.MetricStat?.Metric.MetricName ?? '',
        dimensions: q.MetricStat?.Metric.Dimensions ?? [],
        period: q.MetricStat?.Period ?? 0,
        stat: q.MetricStat?.Stat ?? '',
      })),
    });
    if (this.failures > 0) {
      this.failures--;
      return this.#error(res, 500, 'InternalServiceFault', 'injected failure');
    }
    if (queries.length === 0 || queries.length > 500) {
      return this.#error(
        res,
        400,
        'ValidationError',
        `The collection MetricDataQueries must not have a size greater than 500 or be empty (got ${queries.length}).`,
      );
    }
    if (!Number.isFinite(startTime) || !Number.isFinite(endTime) || endTime <= startTime) {
      return this.#error(
        res,
        400,
        'ValidationError',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    }
    const ids = new Set<string>();
    for (const q of queries) {
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id) || ids.has(q.Id)) {
        return this.#error(res, 400, 'ValidationError', `Invalid or duplicate metric data query Id: ${q.Id}`);
      }
      ids.add(q.Id);
      if (!q.MetricStat || q.MetricStat.Period < 1 || (q.MetricStat.Period >= 60 && q.MetricStat.Period % 60 !== 0)) {
        return this.#error(res, 400, 'ValidationError', `Query ${q.Id}: a MetricStat with a valid Period is required`);
      }
    }

    // Every matching datapoint of every query, in the order the pages hand them out.
    const all = queries.map((q) => {
      const ms = q.MetricStat!;
      const series = this.#series.get(
        seriesKey(ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.Dimensions ?? [], ms.Stat),
      );
      const points = [...(series ?? new Map<number, number>())]
        .filter(([t]) => t >= startTime && t < endTime && t % (ms.Period * 1000) === 0)
        .sort((a, b) => (input.ScanBy === 'TimestampAscending' ? a[0] - b[0] : b[0] - a[0]));
      return { q, points };
    });
    const offset = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64').toString('utf8')) : 0;
    let budget = this.maxDatapointsPerCall;
    let cursor = 0;
    let nextOffset: number | undefined;
    const results = all.map(({ q, points }) => {
      const first = cursor;
      cursor += points.length;
      const from = Math.min(points.length, Math.max(0, offset - first));
      const take = Math.min(points.length - from, budget);
      const slice = points.slice(from, from + take);
      budget -= take;
      const complete = from + take >= points.length;
      if (!complete && nextOffset === undefined) nextOffset = first + from + take;
      return {
        Id: q.Id,
        Label: q.MetricStat!.Metric.MetricName,
        Timestamps: slice.map(([t]) => t / 1000),
        Values: slice.map(([, v]) => v),
        StatusCode: complete ? 'Complete' : 'PartialData',
        Messages: [],
      };
    });
    const out: Record<string, unknown> = { MetricDataResults: results, Messages: [] };
    if (nextOffset !== undefined) out.NextToken = Buffer.from(String(nextOffset)).toString('base64');
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': crypto.randomUUID() });
    res.end(JSON.stringify(out));
  }
}
