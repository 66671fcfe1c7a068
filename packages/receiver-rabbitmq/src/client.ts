// The client seam: what the scraper reads from the broker's rabbitmq_prometheus plugin (as collector-contrib's
// rabbitmqreceiver has client.go). The real implementation is plain HTTP; unit tests replay bodies recorded from a
// real broker (testdata/, re-recorded by scripts/record-fixtures.ts). The dead-letter taps (src/taps.ts) talk to
// the management API and AMQP themselves and are covered by the integration tests.
import { httpGet, httpStream } from './http.ts';

export interface RabbitMQClient {
  /** Streams `/metrics/detailed?<query>` (per-queue families), chunk by chunk. */
  detailedMetrics(query: string, signal: AbortSignal, onChunk: (chunk: string) => void): Promise<void>;
  /** `/metrics`: the node's aggregated and global counters. */
  metrics(signal: AbortSignal): Promise<string>;
}

/** The real client, on the plugin's endpoint (`http://host:15692`). */
export function pluginClient(prometheusEndpoint: string): RabbitMQClient {
  const base = prometheusEndpoint.replace(/\/$/, '');
  return {
    detailedMetrics: (query, signal, onChunk) => httpStream(`${base}/metrics/detailed?${query}`, signal, onChunk),
    metrics: (signal) => httpGet(`${base}/metrics`, undefined, signal),
  };
}
