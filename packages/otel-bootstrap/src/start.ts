// Start-up: read the configuration, subscribe the hot paths (node builtins only), register the module hook for
// library patching, and schedule the SDK to be loaded when the first export is due. Nothing here throws.

import type { Config } from './config.ts';
import { readConfig } from './config.ts';
import type { IdentitySource, UserIdentityHook } from './dau/active-users.ts';
import { DailyActiveUsers } from './dau/active-users.ts';
import type { ExportHandle } from './export/otlp.ts';
import { ProxyMeterProvider, patchMetricsApi } from './instrumentation/api-proxy.ts';
import {
  patchExpressRoute,
  patchExpressRouterUse,
  patchHapiRequest,
  patchKoaContext,
  subscribeFastify,
} from './instrumentation/frameworks.ts';
import type { Patchers } from './instrumentation/hooks.ts';
import { installHooks } from './instrumentation/hooks.ts';
import { HttpServerMetrics } from './instrumentation/http.ts';
import { HttpClientMetrics, ownEndpoint } from './instrumentation/http-client.ts';
import { LibraryMetrics } from './instrumentation/libraries.ts';
import { RuntimeSampler } from './instrumentation/runtime.ts';
import { debug, describe, error, info, setLogLevel, warnOnce } from './log.ts';
import type { State } from './state.ts';
import { currentState, STATE } from './state.ts';

// Built-ins come from process.getBuiltinModule throughout this package: an ESM `import` of a built-in builds its
// namespace, which runs the module's lazy getters (node:http's loads undici, node:crypto's WebCrypto) and costs
// the host megabytes of RSS.
const { randomUUID } = process.getBuiltinModule('node:crypto');
const { createRequire } = process.getBuiltinModule('node:module');
const { join } = process.getBuiltinModule('node:path');

const SIGNAL_FLUSH_TIMEOUT_MS = 5000;

function loadHook(modulePath: string): UserIdentityHook | undefined {
  try {
    const req = createRequire(join(process.cwd(), 'noop.js'));
    const mod = req(req.resolve(modulePath)) as unknown;
    const m = mod as { default?: unknown; identify?: unknown };
    const fn = typeof mod === 'function' ? mod : typeof m?.default === 'function' ? m.default : m?.identify;
    if (typeof fn !== 'function') {
      warnOnce(
        'dau:hook-module',
        `DAU hook module ${modulePath} exports no function (default, identify or module.exports); DAU is off`,
      );
      return undefined;
    }
    return fn as UserIdentityHook;
  } catch (err) {
    warnOnce('dau:hook-module', `could not load DAU hook module ${modulePath}: ${describe(err)}; DAU is off`);
    return undefined;
  }
}

function identitySource(config: Config): IdentitySource {
  const id = config.dauIdentity;
  if (id.kind === 'hook') {
    const hook = loadHook(id.module);
    return hook ? { kind: 'hook', hook } : { kind: 'none' };
  }
  return id;
}

/** The SDK is needed for any exporter but OTLP http/protobuf, and as soon as the app uses the OpenTelemetry API. */
function wantsSdk(state: State): boolean {
  const c = state.config;
  return c.exporters.some((e) => e !== 'otlp') || c.protocol !== 'http/protobuf' || state.apiProxy?.used === true;
}

function loadSdk(state: State): Promise<ExportHandle | undefined> {
  state.sdkActive = true;
  return import('./export/sdk.ts')
    .then((m) => m.startSdk(state))
    .catch((err: unknown) => {
      error('sdk', `could not start the OpenTelemetry SDK: ${describe(err)}; metrics are not exported`);
      return undefined;
    });
}

function loadLite(state: State): Promise<ExportHandle | undefined> {
  return import('./export/otlp.ts')
    .then((m) => {
      state.lite = new m.LiteOtlpExporter(state);
      return state.lite;
    })
    .catch((err: unknown) => {
      error('otlp', `could not start the OTLP exporter: ${describe(err)}; metrics are not exported`);
      return undefined;
    });
}

/** Loads the export path on first need (never at start-up). */
export function ensureExporter(state: State): Promise<ExportHandle | undefined> {
  state.exporter ??= wantsSdk(state) ? loadSdk(state) : loadLite(state);
  return state.exporter;
}

/** The app called metrics.getMeter(): its instruments need the SDK, which then exports ours too. */
function switchToSdk(state: State): void {
  if (state.sdkActive) return;
  if (state.exporter === undefined) {
    void ensureExporter(state);
    return;
  }
  state.exporter = state.exporter.then(() => {
    state.lite?.stop();
    return loadSdk(state);
  });
}

function hasData(state: State): boolean {
  return (
    state.http.series > 0 ||
    state.httpClient.table.series > 0 ||
    state.libs.s3.cells.size > 0 ||
    state.libs.db.cells.size > 0 ||
    state.libs.sent.values.size > 0
  );
}

/** Exports what is pending now (loads the SDK if data is waiting). */
export async function flush(state: State): Promise<void> {
  try {
    if (state.config.exporters.length === 0) return;
    if (state.exporter === undefined && !hasData(state)) return;
    const h = await ensureExporter(state);
    await h?.forceFlush();
  } catch (err) {
    error('flush', `flush failed: ${describe(err)}`);
  }
}

/** Final export and shutdown; runs once. */
export function finalFlush(state: State): Promise<void> {
  state.final ??= (async () => {
    try {
      if (state.config.exporters.length > 0 && (state.exporter !== undefined || hasData(state))) {
        const h = await ensureExporter(state);
        await h?.shutdown();
      }
    } catch (err) {
      error('shutdown', `final export failed: ${describe(err)}`);
    }
    state.runtime?.stop();
    state.dau?.close();
  })();
  return state.final;
}

function installExitHandlers(state: State): void {
  process.on('beforeExit', () => {
    void finalFlush(state);
  });
  let exiting = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    // Someone else handles this signal: they decide when the process ends; we only export what we have.
    if (process.listenerCount(signal) > 1) {
      void flush(state);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const reraise = (): void => {
      clearTimeout(timer);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      process.kill(process.pid, signal);
    };
    if (exiting) {
      reraise();
      return;
    }
    exiting = true;
    timer = setTimeout(reraise, SIGNAL_FLUSH_TIMEOUT_MS);
    void finalFlush(state).finally(reraise);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Starts the bootstrap once per process; later calls return the same state. Never throws. */
export function start(): State | undefined {
  const existing = currentState();
  if (existing) return existing;
  // --require/--import preloads run in worker threads too; the process is measured once, from the main thread.
  if (!process.getBuiltinModule('node:worker_threads').isMainThread) return undefined;
  try {
    const config = readConfig();
    setLogLevel(config.logLevel);
    if (config.disabled) {
      info('OTEL_SDK_DISABLED=true: not instrumenting');
      return undefined;
    }
    const inst = config.instrumentations;
    const state: State = {
      config,
      instanceId: randomUUID(),
      startTime: Date.now(),
      http: new HttpServerMetrics(config.httpMaxSeries),
      httpClient: new HttpClientMetrics(config.exporters.includes('otlp') ? ownEndpoint(config.endpoint) : undefined),
      libs: new LibraryMetrics(),
      runtime: undefined,
      dau: undefined,
      exporter: undefined,
      lite: undefined,
      sdkActive: false,
      final: undefined,
      apiProxy: undefined,
    };
    (globalThis as { [STATE]?: State })[STATE] = state;

    if (inst.has('http')) state.http.subscribe();
    state.httpClient.subscribe(inst.has('http'), inst.has('undici'));
    if (inst.has('fastify')) subscribeFastify();
    const patchers: Patchers = {};
    if (inst.has('express')) {
      patchers['expressRoute'] = patchExpressRoute;
      patchers['expressRouterUse'] = patchExpressRouterUse;
    }
    if (inst.has('koa')) patchers['koaContext'] = patchKoaContext;
    if (inst.has('hapi')) patchers['hapiRequest'] = patchHapiRequest;
    if (inst.has('aws-sdk')) patchers['smithyClient'] = (c) => state.libs.patchSmithyClient(c);
    if (inst.has('pg')) patchers['pgClient'] = (c) => state.libs.patchPgClient(c);
    if (inst.has('amqplib')) patchers['amqpChannel'] = (c) => state.libs.patchAmqpChannel(c);
    if (config.exporters.length > 0) {
      const proxy = new ProxyMeterProvider(() => switchToSdk(state));
      state.apiProxy = proxy;
      patchers['otelMetricsApi'] = (c) => patchMetricsApi(c, proxy);
    }
    installHooks(patchers);
    if (inst.has('runtime')) state.runtime = new RuntimeSampler();

    const source = identitySource(config);
    if (source.kind !== 'none') enableDau(state, source);

    if (config.exporters.includes('prometheus')) {
      setTimeout(() => void ensureExporter(state), 0).unref();
    } else if (config.exporters.length > 0) {
      // The first export loads the SDK, whether or not requests arrived: runtime metrics matter for workers too.
      setTimeout(() => {
        void ensureExporter(state).then((h) => h?.forceFlush().catch(() => {}));
      }, config.exportIntervalMillis).unref();
    }
    installExitHandlers(state);
    debug(
      `started: service.name=${config.serviceName} exporters=${config.exporters.join(',') || 'none'} ${config.protocol} ${config.endpoint}`,
    );
    return state;
  } catch (err) {
    error('start', `bootstrap failed to start (${describe(err)}); the application runs uninstrumented`);
    return undefined;
  }
}

export function enableDau(state: State, source: IdentitySource): void {
  if (state.dau) {
    state.dau.source = source;
    return;
  }
  const c = state.config;
  state.dau = new DailyActiveUsers({
    source,
    salt: c.dauSalt,
    serviceName: c.serviceName,
    redisUrl: c.dauRedisUrl,
    redisKeyPrefix: c.dauRedisKeyPrefix,
  });
  const dau = state.dau;
  state.http.onFinish = (req, status) => dau.observe(req, status);
}
