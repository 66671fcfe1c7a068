import type { MetricTable } from './contract.ts';

/** Attributes on every point a receiver instance produces, health or not. */
export const ATTR_RECEIVER_NAME = 'receiver.name';
export const ATTR_RECEIVER_TARGET = 'receiver.target';

/** The health of every receiver instance, reported by the runtime under the same names for every receiver type. */
export const HEALTH_METRICS = {
  up: {
    name: 'receiver.up',
    instrument: 'gauge',
    // An annotation, not `1`: a gauge with unit 1 would become `receiver_up_ratio` in Prometheus.
    unit: '{status}',
    description: '1 when the last scrape of the instance reached its target, 0 when it failed or timed out.',
    attributes: {
      [ATTR_RECEIVER_NAME]: { description: 'The instance key in receivers.yaml, e.g. `postgresql/shop`.' },
      [ATTR_RECEIVER_TARGET]: { description: 'What the instance scrapes (host:port or URL, never credentials).' },
    },
    enabled: true,
  },
  scrapeDuration: {
    name: 'receiver.scrape.duration',
    instrument: 'gauge',
    unit: 's',
    description: 'How long the last scrape of the instance took (up to its timeout).',
    attributes: {
      [ATTR_RECEIVER_NAME]: { description: 'The instance key in receivers.yaml, e.g. `postgresql/shop`.' },
      [ATTR_RECEIVER_TARGET]: { description: 'What the instance scrapes (host:port or URL, never credentials).' },
    },
    enabled: true,
  },
} as const satisfies MetricTable;
