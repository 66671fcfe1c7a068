import {
  ATTR_RECEIVER_NAME,
  ATTR_RECEIVER_TARGET,
  HEALTH_METRICS,
  type MetricSpec,
  type Observation,
  type Receiver,
} from '@foursignals/receiver-core';
import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { InstanceConfig } from '../config/config.ts';

/** Where the runtime writes what it has to say; defaults to stderr with a timestamp. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export const stderrLogger: Logger = {
  info: (message) => process.stderr.write(`${new Date().toISOString()} info ${message}\n`),
  warn: (message) => process.stderr.write(`${new Date().toISOString()} warn ${message}\n`),
};

/** A warning is repeated at most once per this period (per instance and message). */
const WARN_REPEAT_MS = 15 * 60_000;

/** The state of one running receiver instance. */
interface Instance {
  config: InstanceConfig;
  receiver: Receiver;
  /** The last successful scrape's points (empty after a failure: a dead target reports only receiver.up = 0). */
  points: Observation[];
  up: number;
  /** Seconds the last scrape took. */
  duration: number;
  scrapes: number;
  running: Promise<void> | undefined;
  /** The receiver's own scrape promise while it has not settled (it may outlive its timeout). */
  inflight: Promise<Observation[]> | undefined;
  timer: NodeJS.Timeout | undefined;
  warned: Map<string, number>;
  unknownMetrics: Set<string>;
}

function createObservable(meter: Meter, spec: MetricSpec): Observable {
  const options = { unit: spec.unit, description: spec.description };
  switch (spec.instrument) {
    case 'counter':
      return meter.createObservableCounter(spec.name, options);
    case 'updowncounter':
      return meter.createObservableUpDownCounter(spec.name, options);
    case 'gauge':
      return meter.createObservableGauge(spec.name, options);
  }
}

/**
 * Runs every receiver instance on its own interval with its own timeout (one slow or dead target never delays
 * another), keeps each instance's last points, and reports them with the health metrics through one batch
 * callback whenever a reader collects.
 */
export class ReceiversRuntime {
  readonly #instances: Instance[];
  readonly #logger: Logger;
  readonly #observables = new Map<string, Observable>();
  readonly #up: Observable;
  readonly #duration: Observable;
  #stopped = false;

  constructor(meter: Meter, configs: readonly InstanceConfig[], logger: Logger = stderrLogger) {
    this.#logger = logger;
    this.#up = createObservable(meter, HEALTH_METRICS.up);
    this.#duration = createObservable(meter, HEALTH_METRICS.scrapeDuration);
    for (const config of configs) {
      for (const spec of Object.values(config.factory.metrics)) {
        if (config.enabledMetrics.has(spec.name) && !this.#observables.has(spec.name)) {
          this.#observables.set(spec.name, createObservable(meter, spec));
        }
      }
    }
    this.#instances = configs.map((config) => ({
      config,
      receiver: config.factory.create(config.name, config.config),
      points: [],
      up: 0,
      duration: 0,
      scrapes: 0,
      running: undefined,
      inflight: undefined,
      timer: undefined,
      warned: new Map(),
      unknownMetrics: new Set(),
    }));
    meter.addBatchObservableCallback(
      (result) => this.#observe(result),
      [this.#up, this.#duration, ...this.#observables.values()],
    );
  }

  #observe(result: BatchObservableResult): void {
    for (const instance of this.#instances) {
      const health: Attributes = {
        [ATTR_RECEIVER_NAME]: instance.config.name,
        [ATTR_RECEIVER_TARGET]: instance.receiver.target,
      };
      result.observe(this.#up, instance.up, health);
      result.observe(this.#duration, instance.duration, health);
      for (const point of instance.points) {
        if (!instance.config.enabledMetrics.has(point.metric)) continue;
        const observable = this.#observables.get(point.metric);
        if (!observable) continue;
        result.observe(observable, point.value, { ...point.attributes, [ATTR_RECEIVER_NAME]: instance.config.name });
      }
    }
  }

  /** Names of the instances, in config order. */
  get names(): string[] {
    return this.#instances.map((i) => i.config.name);
  }

  /** Health of an instance, for tests and the status line. */
  health(name: string): { up: number; duration: number; scrapes: number } | undefined {
    const instance = this.#instances.find((i) => i.config.name === name);
    return instance && { up: instance.up, duration: instance.duration, scrapes: instance.scrapes };
  }

  /** Starts every instance's schedule; the first scrape of each runs at once. */
  start(): void {
    for (const instance of this.#instances) this.#schedule(instance, 0);
  }

  /** Scrapes every instance once, concurrently, and waits (tests; `--once`). */
  async scrapeAll(): Promise<void> {
    await Promise.all(this.#instances.map((instance) => this.#scrapeOnce(instance)));
  }

  #schedule(instance: Instance, delayMs: number): void {
    if (this.#stopped) return;
    instance.timer = setTimeout(() => {
      const started = performance.now();
      void this.#scrapeOnce(instance).finally(() => {
        const elapsed = performance.now() - started;
        this.#schedule(instance, Math.max(0, instance.config.intervalMs - elapsed));
      });
    }, delayMs);
  }

  #warn(instance: Instance, message: string): void {
    const now = Date.now();
    const last = instance.warned.get(message);
    if (last !== undefined && now - last < WARN_REPEAT_MS) return;
    instance.warned.set(message, now);
    this.#logger.warn(`${instance.config.name}: ${message}`);
  }

  #scrapeOnce(instance: Instance): Promise<void> {
    instance.running ??= this.#runScrape(instance).finally(() => {
      instance.running = undefined;
    });
    return instance.running;
  }

  async #runScrape(instance: Instance): Promise<void> {
    const { timeoutMs, name } = instance.config;
    if (instance.inflight) {
      // The previous scrape ignored its abort and is still running: never pile scrapes up on a stuck target.
      this.#warn(
        instance,
        `the previous scrape of ${instance.receiver.target} is still running after its timeout; skipped`,
      );
      instance.points = [];
      instance.up = 0;
      instance.scrapes++;
      return;
    }
    const controller = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`scrape timed out after ${timeoutMs / 1000}s`));
      }, timeoutMs);
    });
    try {
      const scrape = instance.receiver.scrape({
        signal: controller.signal,
        warn: (message) => this.#warn(instance, message),
      });
      instance.inflight = scrape;
      const settle = (): void => {
        if (instance.inflight === scrape) instance.inflight = undefined;
      };
      scrape.then(settle, settle);
      const points = await Promise.race([scrape, timedOut]);
      instance.points = this.#checked(instance, points);
      if (instance.up === 0 && instance.scrapes > 0) this.#logger.info(`${name}: ${instance.receiver.target} is back`);
      instance.up = 1;
    } catch (error) {
      if (instance.up === 1 || instance.scrapes === 0) {
        this.#logger.warn(`${name}: scrape of ${instance.receiver.target} failed: ${(error as Error).message}`);
      }
      instance.points = [];
      instance.up = 0;
    } finally {
      clearTimeout(timer);
      instance.duration = (performance.now() - started) / 1000;
      instance.scrapes++;
    }
  }

  /** Drops points of metrics missing from the receiver's table (a bug in the receiver), saying so once. */
  #checked(instance: Instance, points: Observation[]): Observation[] {
    const known = new Set(Object.values(instance.config.factory.metrics).map((m) => m.name));
    return points.filter((point) => {
      if (known.has(point.metric)) return true;
      if (!instance.unknownMetrics.has(point.metric)) {
        instance.unknownMetrics.add(point.metric);
        this.#logger.warn(
          `${instance.config.name}: dropped ${point.metric}, which is not in the receiver's metric table`,
        );
      }
      return false;
    });
  }

  /** Stops the schedules, waits for running scrapes and shuts every receiver down. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const instance of this.#instances) clearTimeout(instance.timer);
    await Promise.allSettled(this.#instances.map((i) => i.running));
    await Promise.allSettled(this.#instances.map((i) => i.receiver.shutdown()));
  }
}
