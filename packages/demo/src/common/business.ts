import { type Counter, metrics } from '@opentelemetry/api';

// The business metrics, declared once. They go through the MeterProvider that otel-bootstrap registers (without
// it the API is a no-op). Everything else the services report comes from the bootstrap, not from code here.

export const BUSINESS_METRICS = {
  'app.users.new': { unit: '{user}', description: 'Users of the MES API seen for the first time (new users per day)' },
  'crm.customers.created': { unit: '{customer}', description: 'Customers created in the CRM' },
  'shop.orders': { unit: '{order}', description: 'Orders placed in the shop' },
  'shop.revenue': { unit: '{EUR}', description: 'Revenue of the orders paid in the shop, in euros' },
  'mes.orders.received': { unit: '{order}', description: 'Cost-calculation orders accepted by the MES API' },
  'mes.orders.calculated': {
    unit: '{order}',
    description: 'Cost-calculation orders the MES worker finished (production load per hour)',
  },
} as const;

export type BusinessMetric = keyof typeof BUSINESS_METRICS;

const counters = new Map<BusinessMetric, Counter>();

export function businessCounter(name: BusinessMetric): Counter {
  let c = counters.get(name);
  if (!c) {
    const def = BUSINESS_METRICS[name];
    c = metrics.getMeter('@foursignals/demo').createCounter(name, { unit: def.unit, description: def.description });
    // the series exists from the first export on, at 0: increase() in Prometheus counts from a series' first
    // sample, so what happened before it would be lost
    c.add(0);
    counters.set(name, c);
  }
  return c;
}
