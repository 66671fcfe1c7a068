// The host's own OpenTelemetry API metrics (`metrics.getMeter(...)`) when the host registers no MeterProvider of
// its own. The API's global slot is never created nor claimed here: it is versioned by the API copy that creates it,
// and a slot of ours would make a host on another 1.x version fail every registration (tracer, meter, propagator,
// context manager). Instead, the host's own MetricsAPI is patched as it loads (hooks.ts): its getMeterProvider()
// answers with this proxy only while no MeterProvider is registered. The first getMeter() starts the SDK;
// instruments created before it is ready buffer a bounded number of measurements and replay them.

const API_KEY = Symbol.for('opentelemetry.js.api.1');
const PATCHED = Symbol.for('foursignals.otel-bootstrap.patched');
const MAX_PENDING = 10_000;

type AnyFn = (...args: unknown[]) => unknown;
// biome-ignore lint/suspicious/noExplicitAny: the real SDK objects are typed by @opentelemetry/api, not loaded here
type Real = any;

const SYNC = ['createCounter', 'createUpDownCounter', 'createHistogram', 'createGauge'] as const;
const OBSERVABLE = ['createObservableCounter', 'createObservableGauge', 'createObservableUpDownCounter'] as const;

class ProxyInstrument {
  real: Real;
  pending: [string, unknown[]][] | undefined = [];
  callbacks: AnyFn[] = [];
  readonly kind: string;
  readonly args: unknown[];

  constructor(kind: string, args: unknown[]) {
    this.kind = kind;
    this.args = args;
  }

  call(method: string, args: unknown[]): void {
    if (this.real) {
      this.real[method](...args);
      return;
    }
    if (this.pending && this.pending.length < MAX_PENDING) this.pending.push([method, args]);
  }

  bind(meter: Real): void {
    this.real = meter[this.kind](...this.args);
    for (const [m, a] of this.pending ?? []) this.real[m](...a);
    this.pending = undefined;
    for (const cb of this.callbacks) this.real.addCallback(cb);
  }
}

class ProxyMeter {
  real: Real;
  readonly instruments: ProxyInstrument[] = [];
  readonly batch: [AnyFn, unknown[]][] = [];
  readonly args: unknown[];
  readonly owner: ProxyMeterProvider;

  constructor(owner: ProxyMeterProvider, args: unknown[]) {
    this.owner = owner;
    this.args = args;
    for (const kind of SYNC) {
      (this as unknown as Record<string, AnyFn>)[kind] = (...a: unknown[]) => {
        if (this.real) return this.real[kind](...a);
        const p = new ProxyInstrument(kind, a);
        this.instruments.push(p);
        const method = kind === 'createHistogram' || kind === 'createGauge' ? 'record' : 'add';
        return { [method]: (...m: unknown[]) => p.call(method, m) };
      };
    }
    for (const kind of OBSERVABLE) {
      (this as unknown as Record<string, AnyFn>)[kind] = (...a: unknown[]) => {
        if (this.real) return this.real[kind](...a);
        const p = new ProxyInstrument(kind, a);
        this.instruments.push(p);
        const observable = {
          addCallback: (cb: AnyFn) => (p.real ? p.real.addCallback(cb) : p.callbacks.push(cb)),
          removeCallback: (cb: AnyFn) => {
            if (p.real) p.real.removeCallback(cb);
            else p.callbacks = p.callbacks.filter((c) => c !== cb);
          },
        };
        PROXY_OF.set(observable, p);
        return observable;
      };
    }
  }

  addBatchObservableCallback(cb: AnyFn, observables: unknown[]): void {
    if (this.real) this.real.addBatchObservableCallback(cb, observables.map(unwrap));
    else this.batch.push([cb, observables]);
  }

  removeBatchObservableCallback(cb: AnyFn, observables: unknown[]): void {
    if (this.real) this.real.removeBatchObservableCallback(cb, observables.map(unwrap));
  }

  bind(provider: Real): void {
    this.real = provider.getMeter(...this.args);
    for (const i of this.instruments) i.bind(this.real);
    for (const [cb, obs] of this.batch) this.real.addBatchObservableCallback(cb, obs.map(unwrap));
  }
}

const PROXY_OF = new WeakMap<object, ProxyInstrument>();
function unwrap(o: unknown): unknown {
  const p = PROXY_OF.get(o as object);
  return p?.real ?? o;
}

export class ProxyMeterProvider {
  private real: Real;
  private readonly meters: ProxyMeter[] = [];
  private readonly onFirstUse: () => void;
  used = false;

  constructor(onFirstUse: () => void) {
    this.onFirstUse = onFirstUse;
  }

  getMeter(...args: unknown[]): unknown {
    if (this.real) return this.real.getMeter(...args);
    if (!this.used) {
      this.used = true;
      try {
        this.onFirstUse();
      } catch {
        // the meter still works; the SDK may start later
      }
    }
    const m = new ProxyMeter(this, args);
    this.meters.push(m);
    return m;
  }

  setDelegate(provider: Real): void {
    this.real = provider;
    for (const m of this.meters) {
      try {
        m.bind(provider);
      } catch {
        // a bad instrument definition must not stop the others
      }
    }
    this.meters.length = 0;
  }
}

/** Whether any @opentelemetry/api 1.x copy registered a global MeterProvider (read only: never creates the slot). */
function hostMeterProvider(): boolean {
  const api = (globalThis as { [API_KEY]?: Record<string, unknown> })[API_KEY];
  return api !== undefined && api['metrics'] !== undefined;
}

/**
 * Patches one copy of the API's `MetricsAPI` class (any 1.x, CJS or ESM build): while the host has registered no
 * MeterProvider, `getMeterProvider()` (and so `metrics.getMeter()`) returns the proxy instead of the no-op one.
 * Registration itself is untouched, so `setGlobalMeterProvider` behaves exactly as without the bootstrap.
 */
export function patchMetricsApi(MetricsAPI: unknown, proxy: ProxyMeterProvider): void {
  const proto = (MetricsAPI as { prototype?: { getMeterProvider?: AnyFn } } | undefined)?.prototype;
  if (typeof proto?.getMeterProvider !== 'function' || Object.hasOwn(proto, PATCHED)) return;
  Object.defineProperty(proto, PATCHED, { value: true });
  const original = proto.getMeterProvider;
  proto.getMeterProvider = function getMeterProvider(this: unknown, ...args: unknown[]) {
    return hostMeterProvider() ? original.apply(this, args) : proxy;
  };
}
