// Module patching without require-in-the-middle: one synchronous `module.registerHooks` load hook (Node >= 22.15,
// works for both require and import) appends a one-line call to a few known library files. The call reaches the
// bootstrap through a global registry, so the patched library needs no import of ours and the hook itself costs
// one string test per loaded module.
import { describe, error } from '../log.ts';

const nodeModule = process.getBuiltinModule('node:module');

export const REGISTRY = Symbol.for('foursignals.otel-bootstrap.patchers');

export type Patchers = Record<string, (target: unknown) => void>;

interface Target {
  /** A test on the file URL. */
  match: (url: string) => boolean;
  /** The expression that evaluates to the patched object, in that file's scope. */
  expr: string;
  patcher: string;
  /** Only files whose text contains this (a path pattern that may match unrelated packages). */
  contains?: string;
}

const TARGETS: Target[] = [
  // AWS SDK v3 / smithy: the Client base class that every service client's `send` comes from.
  {
    match: (u) => u.endsWith('/@smithy/core/dist-cjs/submodules/client/index.js'),
    expr: 'exports.Client',
    patcher: 'smithyClient',
  },
  {
    match: (u) => u.endsWith('/@smithy/core/dist-es/submodules/client/smithy-client/client.js'),
    expr: 'Client',
    patcher: 'smithyClient',
  },
  {
    match: (u) => u.endsWith('/@smithy/smithy-client/dist-cjs/index.js'),
    expr: 'exports.Client',
    patcher: 'smithyClient',
  },
  { match: (u) => u.endsWith('/@smithy/smithy-client/dist-es/client.js'), expr: 'Client', patcher: 'smithyClient' },
  // Express 5 (the `router` package) and Express 4.
  { match: (u) => u.endsWith('/node_modules/router/lib/route.js'), expr: 'module.exports', patcher: 'expressRoute' },
  {
    match: (u) => u.endsWith('/node_modules/router/index.js'),
    expr: 'module.exports.prototype',
    patcher: 'expressRouterUse',
  },
  {
    match: (u) => /\/node_modules\/express[^/]*\/lib\/router\/route\.js$/.test(u),
    expr: 'module.exports',
    patcher: 'expressRoute',
  },
  {
    match: (u) => /\/node_modules\/express[^/]*\/lib\/router\/index\.js$/.test(u),
    expr: 'module.exports',
    patcher: 'expressRouterUse',
  },
  // Koa (2 and 3; its ESM entry wraps the CommonJS lib) and Hapi.
  { match: (u) => u.endsWith('/node_modules/koa/lib/context.js'), expr: 'module.exports', patcher: 'koaContext' },
  {
    match: (u) => u.endsWith('/node_modules/@hapi/hapi/lib/request.js'),
    expr: 'module.exports',
    patcher: 'hapiRequest',
  },
  // @opentelemetry/api, any 1.x (build/{src,esm,esnext}/api/metrics.js up to 1.9, dist/api/metrics.{cjs,mjs} from
  // 1.10), under any package directory name (npm aliases): the host's own MetricsAPI class, see api-proxy.ts.
  {
    match: (u) => /\/(?:build\/(?:src|esm|esnext)|dist)\/api\/metrics\.(?:js|cjs|mjs)$/.test(u),
    expr: 'MetricsAPI',
    patcher: 'otelMetricsApi',
    contains: 'class MetricsAPI',
  },
  // pg
  { match: (u) => u.endsWith('/node_modules/pg/lib/client.js'), expr: 'module.exports', patcher: 'pgClient' },
  // amqplib: the channel base class shared by the promise and callback APIs.
  {
    match: (u) => /\/node_modules\/amqplib\/lib\/channel\.js$/.test(u),
    expr: 'module.exports',
    patcher: 'amqpChannel',
  },
  {
    match: (u) => /\/node_modules\/amqplib\/lib\/channel_model\.js$/.test(u),
    expr: 'module.exports',
    patcher: 'amqpChannelModel',
  },
];

let installed = false;

function sourceText(source: unknown): string | undefined {
  if (typeof source === 'string') return source;
  if (source instanceof Uint8Array) return new TextDecoder().decode(source);
  return undefined;
}

export function installHooks(patchers: Patchers): boolean {
  const g = globalThis as { [REGISTRY]?: Patchers };
  g[REGISTRY] = { ...g[REGISTRY], ...patchers };
  if (installed) return true;
  const registerHooks = (nodeModule as { registerHooks?: (hooks: object) => unknown }).registerHooks;
  if (typeof registerHooks !== 'function') {
    error(
      'hooks',
      'module.registerHooks is not available (Node < 22.15): library instrumentation (S3, pg, express routes) is off',
    );
    return false;
  }
  const active = TARGETS.filter((t) => patchers[t.patcher] !== undefined);
  if (active.length === 0) return true;
  registerHooks({
    load(url: string, context: unknown, nextLoad: (url: string, context: unknown) => { source?: unknown }) {
      const result = nextLoad(url, context);
      if (!url.includes('/node_modules/')) return result;
      for (const t of active) {
        if (!t.match(url)) continue;
        try {
          const text = sourceText(result.source);
          if (text === undefined || (t.contains !== undefined && !text.includes(t.contains))) return result;
          const call = `\n;try{globalThis[Symbol.for('foursignals.otel-bootstrap.patchers')]?.${t.patcher}?.(${t.expr})}catch{}\n`;
          // Keep a trailing source map comment last.
          return { ...result, source: text + call };
        } catch (err) {
          error('hooks:load', `could not instrument ${url}: ${describe(err)}`);
          return result;
        }
      }
      return result;
    },
  });
  installed = true;
  return true;
}
