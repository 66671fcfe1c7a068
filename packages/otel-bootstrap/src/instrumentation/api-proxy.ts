// The host's own OpenTelemetry API metrics (`metrics.getMeter(...)`), without loading @opentelemetry/api (~40 ms)
// at start-up: a small proxy MeterProvider is put where the API looks for the global one. The first getMeter()
// starts the SDK; instruments created before it is ready buffer a bounded number of measurements and replay them.

/** The @opentelemetry/api version this package depends on (the global slot is versioned by the API). */
export const API_VERSION = '1.10.0';
const API_KEY = Symbol.for('opentelemetry.js.api.1');
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

/** Puts the proxy in the API's global slot unless a MeterProvider is already registered. */
export function installGlobalMeterProvider(proxy: ProxyMeterProvider): boolean {
  const g = globalThis as { [API_KEY]?: Record<string, unknown> };
  let api = g[API_KEY];
  if (api === undefined) {
    api = Object.defineProperty({}, 'version', {
      value: API_VERSION,
      enumerable: true,
      writable: false,
      configurable: false,
    });
    g[API_KEY] = api;
  }
  if (api['metrics'] !== undefined) return false;
  api['metrics'] = proxy;
  return true;
}
