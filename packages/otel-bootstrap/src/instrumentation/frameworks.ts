// Route templates from the frameworks, captured where the framework itself knows them, at no per-request cost
// beyond a property write:
// - Express 4/5: `Route.prototype.dispatch` runs when a route matched; it records `<mount template> + route.path`.
//   The mount template is tracked by wrapping functions mounted with `use(path, fn)` (routers, sub-apps,
//   middleware) so a router mounted on `/users/:id` contributes `/users/:id`, not `/users/42` as `req.baseUrl`
//   would. It is captured at dispatch time, so an error escaping a nested router keeps the full template.
// - Fastify 5: an `onRequest` hook added when the instance is created (diagnostics channel
//   `fastify.initialization`) copies the route's configured url, so replies sent from hooks (401 from an auth
//   hook) carry their route too. Unmatched requests (the 404 handler) have no url and collapse into one series.
// - Koa with @koa/router: the router writes the matched layer's path (prefixes included) to `ctx._matchedRoute`;
//   an accessor on Koa's context prototype copies it to the Node request as it is written.
// - Hapi: `Request.prototype._lookup` resolves the route; its `path` (realm prefix included, `/items/{id}`) is
//   copied unless it is the special not-found route.
// - NestJS: routes are Express or Fastify routes underneath, measured by those integrations.

import { debug } from '../log.ts';
import { ROUTE } from './http.ts';

const dc = process.getBuiltinModule('node:diagnostics_channel');

const BASE = Symbol('foursignals.otel-bootstrap.base');
const JOIN_BASE = Symbol('foursignals.otel-bootstrap.join-base');
const JOINED = Symbol('foursignals.otel-bootstrap.joined');
const PATCHED = Symbol.for('foursignals.otel-bootstrap.patched');

// biome-ignore lint/suspicious/noExplicitAny: wrappers forward arbitrary library signatures
type AnyFn = (...args: any[]) => unknown;
type Req = { [BASE]?: string; [ROUTE]?: string; baseUrl?: string };

function markPatched(target: object): boolean {
  const t = target as { [PATCHED]?: boolean };
  if (Object.hasOwn(t, PATCHED)) return false;
  Object.defineProperty(t, PATCHED, { value: true });
  return true;
}

type Route = { path: unknown; [JOIN_BASE]?: string; [JOINED]?: string };

/**
 * `base + path`, remembered on the route for the last base it was joined to: a route mounted under a router gets
 * the same string object every request (the mount templates are cached the same way, so the base is identical and
 * the comparison is a pointer test). No concatenation per request, and the Map lookup of the hot path finds a
 * flat string whose hash is already computed.
 */
function joinRoute(route: Route, base: string, path: string): string {
  if (route[JOIN_BASE] === base) return route[JOINED]!;
  const joined = base + path;
  route[JOIN_BASE] = base;
  route[JOINED] = joined;
  return joined;
}

/** Patches an Express Route class (express 4 `lib/router/route.js`, `router` 2 `lib/route.js`). */
export function patchExpressRoute(Route: unknown): void {
  const proto = (Route as { prototype?: { dispatch?: AnyFn } } | undefined)?.prototype;
  if (typeof proto?.dispatch !== 'function' || !markPatched(proto)) return;
  const dispatch = proto.dispatch;
  proto.dispatch = function patchedDispatch(this: Route, req: Req, res: unknown, done: unknown) {
    try {
      const p = this.path;
      const path = typeof p === 'string' ? p : String(p);
      const base = req[BASE];
      if (base !== undefined) req[ROUTE] = joinRoute(this, base, path);
      else {
        // Mounted where our use() wrapper did not see it (a regular expression or an array mount path): the real
        // base URL, as Express itself reports it.
        const b = req.baseUrl;
        req[ROUTE] = b ? b + path : path;
      }
    } catch {
      // never interfere with routing
    }
    return dispatch.call(this, req, res, done);
  };
  debug('patched express Route.dispatch');
}

function mountWrapper(template: string, fn: AnyFn): AnyFn {
  const wrapper = makeMountWrapper(template, fn);
  // Introspection (router.stack[i].handle.stack, tools that list routes) still sees the router's properties.
  Object.setPrototypeOf(wrapper, fn);
  return wrapper;
}

function makeMountWrapper(template: string, fn: AnyFn): AnyFn {
  // The template under the enclosing mounts, remembered for the last enclosing base (see joinRoute).
  let lastPrev: string | undefined;
  let lastJoined = template;
  const base = (prev: string | undefined): string => {
    if (prev === undefined) return template;
    if (prev !== lastPrev) {
      lastPrev = prev;
      lastJoined = prev + template;
    }
    return lastJoined;
  };
  if (fn.length === 4) {
    return function mountedErrorHandler(this: unknown, err: unknown, req: Req, res: unknown, next: AnyFn) {
      const prev = req[BASE];
      req[BASE] = base(prev);
      return fn.call(this, err, req, res, function restore(this: unknown, ...args: unknown[]) {
        req[BASE] = prev;
        return next.apply(this, args);
      });
    };
  }
  return function mounted(this: unknown, req: Req, res: unknown, next: AnyFn) {
    const prev = req[BASE];
    req[BASE] = base(prev);
    return fn.call(this, req, res, function restore(this: unknown, ...args: unknown[]) {
      req[BASE] = prev;
      return next.apply(this, args);
    });
  };
}

/** Patches an Express router prototype's `use` (express 4 `lib/router/index.js`, `router` 2 `index.js`). */
export function patchExpressRouterUse(proto: unknown): void {
  const p = proto as { use?: AnyFn; handle?: unknown; route?: unknown; param?: unknown } | undefined;
  // Only an Express-style router (pillarjs `router` / express 4's own): use + handle + route + param.
  if (typeof p?.use !== 'function' || typeof p.handle !== 'function' || typeof p.route !== 'function') return;
  if (typeof p.param !== 'function' || !markPatched(p)) return;
  const use = p.use;
  p.use = function patchedUse(this: unknown, ...args: unknown[]) {
    try {
      const path = args[0];
      if (typeof path === 'string' && args.length > 1) {
        const template = path.replace(/\/+$/, '');
        if (template !== '') {
          const wrapped = args.slice(1).flat(Number.POSITIVE_INFINITY) as unknown[];
          if (wrapped.every((f) => typeof f === 'function')) {
            return use.call(this, path, ...wrapped.map((f) => mountWrapper(template, f as AnyFn)));
          }
        }
      }
    } catch {
      // fall through to the original call
    }
    return use.apply(this, args);
  };
  debug('patched express Router.use');
}

type FastifyRequest = { raw: Req; [k: symbol]: unknown };
let contextSymbol: symbol | undefined;

function fastifyRoute(request: FastifyRequest): string | undefined {
  if (contextSymbol === undefined) {
    contextSymbol = Object.getOwnPropertySymbols(request).find((s) => s.description === 'fastify.context');
    if (contextSymbol === undefined) return undefined;
  }
  const ctx = request[contextSymbol] as { config?: { url?: unknown } } | undefined;
  const url = ctx?.config?.url;
  return typeof url === 'string' ? url : undefined;
}

function fastifyOnRequest(request: FastifyRequest, _reply: unknown, done: () => void): void {
  try {
    const url = fastifyRoute(request);
    if (url !== undefined) request.raw[ROUTE] = url;
  } catch {
    // ignore
  }
  done();
}

const onFastifyInit = (msg: unknown): void => {
  try {
    const fastify = (msg as { fastify?: { addHook?: AnyFn } }).fastify;
    fastify?.addHook?.('onRequest', fastifyOnRequest);
  } catch {
    // an old or unexpected fastify: requests keep being counted, without a route
  }
};

export function subscribeFastify(): void {
  dc.subscribe('fastify.initialization', onFastifyInit);
}

const KOA_MATCHED = Symbol('foursignals.otel-bootstrap.koa-matched-route');

/** Patches Koa's context prototype (`koa/lib/context.js`): `_matchedRoute` becomes an accessor that records it. */
export function patchKoaContext(proto: unknown): void {
  if (typeof proto !== 'object' || proto === null || Object.hasOwn(proto, '_matchedRoute') || !markPatched(proto))
    return;
  Object.defineProperty(proto, '_matchedRoute', {
    configurable: true,
    enumerable: false,
    get(this: { [KOA_MATCHED]?: unknown }) {
      return this[KOA_MATCHED];
    },
    set(this: { [KOA_MATCHED]?: unknown; req?: Req }, value: unknown) {
      this[KOA_MATCHED] = value;
      try {
        if (this.req !== undefined && (typeof value === 'string' || value instanceof RegExp))
          this.req[ROUTE] = String(value);
      } catch {
        // never interfere with routing
      }
    },
  });
  debug('patched koa context _matchedRoute');
}

type HapiRequest = { _route?: { _special?: boolean; path?: unknown }; raw?: { req?: Req } };

/** Patches Hapi's Request class (`@hapi/hapi/lib/request.js`): the route template once the router matched. */
export function patchHapiRequest(Request: unknown): void {
  const proto = (Request as { prototype?: { _lookup?: AnyFn } } | undefined)?.prototype;
  if (typeof proto?._lookup !== 'function' || !markPatched(proto)) return;
  const lookup = proto._lookup;
  proto._lookup = function patchedLookup(this: HapiRequest, ...args: unknown[]) {
    const result = lookup.apply(this, args);
    try {
      const route = this._route;
      const req = this.raw?.req;
      if (route !== undefined && route._special !== true && typeof route.path === 'string' && req !== undefined)
        req[ROUTE] = route.path;
    } catch {
      // never interfere with routing
    }
    return result;
  };
  debug('patched hapi Request._lookup');
}
