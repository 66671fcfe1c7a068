import type { MetricSpec } from '@foursignals/metric-spec';

// The business metrics, declared once (all counters, without attributes). They go through the MeterProvider that
// otel-bootstrap registers (without it the API is a no-op). Everything else the services report comes from the
// bootstrap, not from code here. The dashboards, rules and signals view read names from this table (this module has
// no runtime dependencies, so they can import it: `@foursignals/demo/metrics`).
export const BUSINESS_METRICS = {
  usersNew: {
    name: 'app.users.new',
    instrument: 'counter',
    unit: '{user}',
    description: 'Users of the MES API seen for the first time (new users per day)',
    attributes: {},
  },
  customersCreated: {
    name: 'crm.customers.created',
    instrument: 'counter',
    unit: '{customer}',
    description: 'Customers created in the CRM',
    attributes: {},
  },
  shopOrders: {
    name: 'shop.orders.placed',
    instrument: 'counter',
    unit: '{order}',
    description: 'Orders placed in the shop',
    attributes: {},
  },
  shopRevenue: {
    name: 'shop.revenue',
    instrument: 'counter',
    unit: '{EUR}',
    description: 'Revenue of the orders paid in the shop, in euros',
    attributes: {},
  },
  mesOrdersReceived: {
    name: 'mes.orders.received',
    instrument: 'counter',
    unit: '{order}',
    description: 'Cost-calculation orders accepted by the MES API',
    attributes: {},
  },
  mesOrdersCalculated: {
    name: 'mes.orders.calculated',
    instrument: 'counter',
    unit: '{order}',
    description: 'Cost-calculation orders the MES worker finished (production load per hour)',
    attributes: {},
  },
} as const satisfies Record<string, MetricSpec & { instrument: 'counter' }>;

export type BusinessMetric = keyof typeof BUSINESS_METRICS;
