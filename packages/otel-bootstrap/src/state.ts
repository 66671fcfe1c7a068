import type { Config } from './config.ts';
import type { DailyActiveUsers } from './dau/active-users.ts';
import type { ExportHandle, LiteOtlpExporter } from './export/otlp.ts';
import type { ProxyMeterProvider } from './instrumentation/api-proxy.ts';
import type { HttpServerMetrics } from './instrumentation/http.ts';
import type { HttpClientMetrics } from './instrumentation/http-client.ts';
import type { LibraryMetrics } from './instrumentation/libraries.ts';
import type { RuntimeSampler } from './instrumentation/runtime.ts';

/** Everything one process's bootstrap holds; one per process (kept on globalThis). */
export interface State {
  config: Config;
  instanceId: string;
  /** Epoch ms: the start of every cumulative series. */
  startTime: number;
  http: HttpServerMetrics;
  httpClient: HttpClientMetrics;
  libs: LibraryMetrics;
  runtime: RuntimeSampler | undefined;
  dau: DailyActiveUsers | undefined;
  /** The active export path, once loaded: the SDK's, or our own OTLP/HTTP protobuf exporter. */
  exporter: Promise<ExportHandle | undefined> | undefined;
  lite: LiteOtlpExporter | undefined;
  sdkActive: boolean;
  final: Promise<void> | undefined;
  /** The MeterProvider the host's MetricsAPI answers with while the host registered none (api-proxy.ts). */
  apiProxy: ProxyMeterProvider | undefined;
}

export const STATE = Symbol.for('foursignals.otel-bootstrap.state');

export function currentState(): State | undefined {
  return (globalThis as { [STATE]?: State })[STATE];
}
