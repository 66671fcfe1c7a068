import { type Counter, metrics } from '@opentelemetry/api';
import { BUSINESS_METRICS, type BusinessMetric } from '../metrics.ts';

// Counters for the business metrics of src/metrics.ts, created once each.
const counters = new Map<BusinessMetric, Counter>();

export function businessCounter(key: BusinessMetric): Counter {
  let c = counters.get(key);
  if (!c) {
    const def = BUSINESS_METRICS[key];
    c = metrics.getMeter('@foursignals/demo').createCounter(def.name, { unit: def.unit, description: def.description });
    // the series exists from the first export on, at 0: increase() in Prometheus counts from a series' first
    // sample, so what happened before it would be lost
    c.add(0);
    counters.set(key, c);
  }
  return c;
}
