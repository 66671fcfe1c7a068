import { signJwt } from '../common/jwt.ts';
import { CONTACT_KINDS, SEEDED_CUSTOMERS, SEGMENTS } from '../crm-api/constants.ts';
import { MACHINES, MATERIALS } from '../mes-worker/costing.ts';
import {
  CATEGORIES,
  DECLINED_CARD,
  OUT_OF_STOCK_EVERY,
  PRODUCT_COUNT,
  PROVIDER_ERROR_CARD,
} from '../shop-api/constants.ts';

export type ServiceName = 'mes-api' | 'shop-api' | 'crm-api';

/** One HTTP request the generator will send, with the route template the server will report for it. */
export interface RequestSpec {
  service: ServiceName;
  /** Route template as the server reports it; '' when no route matches (404 scanners). */
  route: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sees the answer, to remember ids for later requests. */
  onResponse?: (status: number, body: unknown) => void;
}

export interface Scenario {
  service: ServiceName;
  weight: number;
  next(): RequestSpec;
}

const rnd = Math.random;
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chance = (p: number) => rnd() < p;

/** Remembers the last `cap` values. */
class Recent<T> {
  readonly items: T[] = [];
  readonly #cap: number;
  constructor(cap: number) {
    this.#cap = cap;
  }
  push(x: T): void {
    this.items.push(x);
    if (this.items.length > this.#cap) this.items.shift();
  }
  pick(): T | undefined {
    return this.items.length ? pick(this.items) : undefined;
  }
  take(): T | undefined {
    if (!this.items.length) return undefined;
    const i = Math.floor(rnd() * this.items.length);
    return this.items.splice(i, 1)[0];
  }
}

export interface MixOptions {
  /** Distinct MES API users. @default 400 */
  users: number;
  jwtSecret: string;
  /** Whether to send orders the worker rejects (the poison fault). */
  poison: () => boolean;
  /** A suffix that keeps CRM e-mails, new users and PO numbers unique between runs. */
  runId: string;
  /** Invalid, urgent and resubmitted orders at an everyday rate (see LoadOptions.everydayTrouble). */
  everydayTrouble: boolean;
}

/** Shares of the everyday trouble (of the orders submitted), and of MES requests from a first-time user. */
export const EVERYDAY = {
  discontinuedMaterial: 0.015,
  urgent: 0.25,
  urgentDeadlineSeconds: 3,
  resubmitted: 0.03,
  newUser: 0.002,
  /**
   * Of the Shop API's product listings: a crawler asking for a page past any bigint. The API does not cap it, the
   * database refuses the OFFSET, the client gets a 500: the occasional 5xx of a real shop (about 0.2 % of the
   * Shop API's requests: under half its 0.5 % error budget, so no burn-rate alert fires).
   */
  pageOverflow: 0.01,
} as const;

/** The realistic mix: weights per route, many users, a share of 4xx and 5xx. */
export function buildMix(o: MixOptions): Scenario[] {
  const materials = Object.keys(MATERIALS);
  const machines = Object.keys(MACHINES);
  const tokens = new Map<string, string>();

  // A skewed user population: a few heavy users, a long tail, and now and then someone new who may come back.
  const newcomers = new Recent<string>(200);
  let newcomerSerial = 0;
  const user = (): string => {
    if (chance(EVERYDAY.newUser)) {
      const u = `new-${o.runId}-${newcomerSerial++}`;
      newcomers.push(u);
      return u;
    }
    if (chance(0.02)) return newcomers.pick() ?? user();
    return `user-${String(Math.floor(o.users * rnd() ** 2)).padStart(5, '0')}`;
  };
  const identity = (u: string): Record<string, string> => {
    const r = rnd();
    if (r < 0.01) return {}; // forgot to authenticate: 401
    if (r < 0.02) return { authorization: 'Bearer not.a.token' }; // bad token: 401
    if (r < 0.45) {
      let t = tokens.get(u);
      if (!t) {
        t = signJwt({ sub: u, iss: 'foursignals-demo' }, o.jwtSecret);
        tokens.set(u, t);
      }
      return { authorization: `Bearer ${t}` };
    }
    return { 'x-user-id': u };
  };
  const recentOrders = new Recent<[string, number]>(500);
  const remember = (u: string) => (status: number, body: unknown) => {
    if (status !== 202) return;
    recentOrders.push([u, (body as { id: number }).id]);
  };
  let poSerial = 0;
  const recentPos = new Recent<[string, string]>(100);
  const orderBody = (u: string) => {
    const poisoned = o.poison();
    const trouble = o.everydayTrouble;
    const discontinued = trouble && chance(EVERYDAY.discontinuedMaterial);
    const resubmit =
      trouble && chance(EVERYDAY.resubmitted) ? recentPos.items.find(([owner]) => owner === u) : undefined;
    const poNumber = resubmit?.[1] ?? `PO-${o.runId}-${poSerial++}`;
    if (!resubmit) recentPos.push([u, poNumber]);
    return {
      poNumber,
      ...(trouble && chance(EVERYDAY.urgent) ? { deadlineSeconds: EVERYDAY.urgentDeadlineSeconds } : {}),
      product: pick(['pump-housing', 'gearbox', 'control-cabinet', 'conveyor-frame', 'valve-block', 'fan-unit']),
      quantity: int(1, 500),
      materials: Array.from({ length: int(1, 5) }, () => ({ sku: pick(materials), qty: int(1, 20) }))
        .concat(poisoned ? [{ sku: 'unobtainium', qty: 1 }] : [])
        .concat(discontinued ? [{ sku: 'steel-sheet-s185', qty: int(1, 20) }] : []),
      operations: Array.from({ length: int(1, 6) }, () => ({ machine: pick(machines), minutes: int(1, 90) })),
    };
  };
  /** A user and one of their orders (most of the time), or a stranger's id (404). */
  const someOrder = (): [string, number] => {
    const known = recentOrders.pick();
    if (known && !chance(0.05)) return known;
    return [user(), int(10_000_000, 20_000_000)];
  };

  const mes: Scenario[] = [
    {
      service: 'mes-api',
      weight: 5,
      next: () => ({
        service: 'mes-api',
        route: '/api/materials',
        method: 'GET',
        path: '/api/materials',
        headers: identity(user()),
      }),
    },
    {
      service: 'mes-api',
      weight: 12,
      next: () => {
        const u = user();
        const body = chance(0.03) ? { product: 'gearbox', quantity: -1 } : orderBody(u);
        return {
          service: 'mes-api',
          route: '/api/orders',
          method: 'POST',
          path: '/api/orders',
          headers: identity(u),
          body,
          onResponse: remember(u),
        };
      },
    },
    {
      service: 'mes-api',
      weight: 8,
      next: () => ({
        service: 'mes-api',
        route: '/api/orders',
        method: 'GET',
        path: `/api/orders?limit=${pick([10, 20, 50])}`,
        headers: identity(user()),
      }),
    },
    {
      service: 'mes-api',
      weight: 20,
      next: () => {
        const [u, id] = someOrder();
        return {
          service: 'mes-api',
          route: '/api/orders/:id',
          method: 'GET',
          path: `/api/orders/${id}`,
          headers: identity(u),
        };
      },
    },
    {
      service: 'mes-api',
      weight: 6,
      next: () => {
        const [u, id] = someOrder();
        return {
          service: 'mes-api',
          route: '/api/orders/:id/report',
          method: 'GET',
          path: `/api/orders/${id}/report`,
          headers: identity(u),
        };
      },
    },
    {
      service: 'mes-api',
      weight: 0.5,
      next: () => ({ service: 'mes-api', route: '', method: 'GET', path: pick(['/wp-login.php', '/.env', '/admin']) }),
    },
  ];

  const carts = new Recent<number>(200); // carts with at least one item, not yet ordered
  const emptyCarts = new Recent<number>(50);
  const pendingOrders = new Recent<number>(200);
  const anyOrders = new Recent<number>(500);
  const product = () => int(1, PRODUCT_COUNT);
  const shop: Scenario[] = [
    {
      service: 'shop-api',
      weight: 15,
      next: () => ({
        service: 'shop-api',
        route: '/api/products',
        method: 'GET',
        path:
          o.everydayTrouble && chance(EVERYDAY.pageOverflow)
            ? '/api/products?page=99999999999999999999'
            : chance(0.6)
              ? `/api/products?category=${pick(CATEGORIES)}&page=${int(0, 2)}`
              : `/api/products?page=${int(0, 9)}`,
      }),
    },
    {
      service: 'shop-api',
      weight: 20,
      next: () => ({
        service: 'shop-api',
        route: '/api/products/:id',
        method: 'GET',
        path: `/api/products/${chance(0.03) ? int(PRODUCT_COUNT + 1, 99_999) : product()}`,
      }),
    },
    {
      service: 'shop-api',
      weight: 10,
      next: () => ({
        service: 'shop-api',
        route: '/api/products/:id/image',
        method: 'GET',
        path: `/api/products/${product()}/image`,
      }),
    },
    {
      service: 'shop-api',
      weight: 8,
      next: () => ({
        service: 'shop-api',
        route: '/api/search',
        method: 'GET',
        path: `/api/search?q=${chance(0.05) ? 'a' : pick(['heavy', 'paint', 'bear', 'item 1', 'Compact', 'tool'])}`,
      }),
    },
    {
      service: 'shop-api',
      weight: 5,
      next: () => ({
        service: 'shop-api',
        route: '/api/carts',
        method: 'POST',
        path: '/api/carts',
        body: { customerId: int(1, SEEDED_CUSTOMERS) },
        onResponse: (s, b) => {
          if (s === 201) emptyCarts.push((b as { id: number }).id);
        },
      }),
    },
    {
      service: 'shop-api',
      weight: 9,
      next: () => {
        const fresh = chance(0.5) ? emptyCarts.take() : undefined;
        const cart = fresh ?? carts.pick() ?? int(1_000_000, 2_000_000);
        let p = product();
        if (!chance(0.04) && p % OUT_OF_STOCK_EVERY === 0) p++;
        return {
          service: 'shop-api',
          route: '/api/carts/:id/items',
          method: 'POST',
          path: `/api/carts/${cart}/items`,
          body: { productId: Math.min(p, PRODUCT_COUNT - 1), qty: int(1, 4) },
          onResponse: (s) => {
            if (s === 201 && fresh !== undefined) carts.push(fresh);
          },
        };
      },
    },
    {
      service: 'shop-api',
      weight: 4,
      next: () => ({
        service: 'shop-api',
        route: '/api/carts/:id',
        method: 'GET',
        path: `/api/carts/${carts.pick() ?? int(1, 100)}`,
      }),
    },
    {
      service: 'shop-api',
      weight: 4,
      next: () => {
        const cart = carts.take() ?? emptyCarts.take() ?? int(1_000_000, 2_000_000);
        return {
          service: 'shop-api',
          route: '/api/orders',
          method: 'POST',
          path: '/api/orders',
          body: { cartId: cart },
          onResponse: (s, b) => {
            if (s === 201) {
              pendingOrders.push((b as { id: number }).id);
              anyOrders.push((b as { id: number }).id);
            }
          },
        };
      },
    },
    {
      service: 'shop-api',
      weight: 4,
      next: () => {
        const id = pendingOrders.take() ?? anyOrders.pick() ?? int(1, 100);
        const r = rnd();
        const body =
          r < 0.05
            ? { method: 'card', card: DECLINED_CARD }
            : r < 0.07
              ? { method: 'card', card: PROVIDER_ERROR_CARD }
              : r < 0.08
                ? { method: 'bitcoin' }
                : r < 0.7
                  ? { method: 'card', card: '4111111111111111' }
                  : { method: 'invoice' };
        return {
          service: 'shop-api',
          route: '/api/orders/:id/payments',
          method: 'POST',
          path: `/api/orders/${id}/payments`,
          body,
          onResponse: (s) => {
            if (s === 402 || s === 502) pendingOrders.push(id);
          },
        };
      },
    },
    {
      service: 'shop-api',
      weight: 3,
      next: () => ({
        service: 'shop-api',
        route: '/api/orders/:id',
        method: 'GET',
        path: `/api/orders/${anyOrders.pick() ?? int(1, 100)}`,
      }),
    },
  ];

  const customers = new Recent<number>(200);
  const contacts = new Recent<number>(200);
  let serial = 0;
  const customer = () => (chance(0.2) ? customers.pick() : undefined) ?? int(1, SEEDED_CUSTOMERS);
  const crm: Scenario[] = [
    {
      service: 'crm-api',
      weight: 8,
      next: () => ({
        service: 'crm-api',
        route: '/api/customers',
        method: 'GET',
        path: chance(0.5) ? `/api/customers?segment=${pick(SEGMENTS)}` : `/api/customers?page=${int(0, 19)}`,
      }),
    },
    {
      service: 'crm-api',
      weight: 5,
      next: () => ({
        service: 'crm-api',
        route: '/api/customers/search',
        method: 'GET',
        path: `/api/customers/search?q=${chance(0.05) ? 'x' : pick(['Company 1', 'Customer 4', 'ompany 7', 'Customer 12'])}`,
      }),
    },
    {
      service: 'crm-api',
      weight: 12,
      next: () => ({
        service: 'crm-api',
        route: '/api/customers/:id',
        method: 'GET',
        path: `/api/customers/${chance(0.03) ? int(5_000_000, 6_000_000) : customer()}`,
      }),
    },
    {
      service: 'crm-api',
      weight: 3,
      next: () => {
        const dup = chance(0.1);
        const email = dup ? `customer${int(1, SEEDED_CUSTOMERS)}@example.com` : `c-${o.runId}-${serial++}@example.org`;
        return {
          service: 'crm-api',
          route: '/api/customers',
          method: 'POST',
          path: '/api/customers',
          body: { name: `New customer ${serial}`, email, company: `Company ${int(1, 300)}` },
          onResponse: (s, b) => {
            if (s === 201) customers.push((b as { id: number }).id);
          },
        };
      },
    },
    {
      service: 'crm-api',
      weight: 2,
      next: () => ({
        service: 'crm-api',
        route: '/api/customers/:id',
        method: 'PATCH',
        path: `/api/customers/${customer()}`,
        body: chance(0.05) ? {} : { company: `Company ${int(1, 300)}` },
      }),
    },
    {
      service: 'crm-api',
      weight: 6,
      next: () => ({
        service: 'crm-api',
        route: '/api/customers/:id/contacts',
        method: 'GET',
        path: `/api/customers/${customer()}/contacts`,
      }),
    },
    {
      service: 'crm-api',
      weight: 4,
      next: () => ({
        service: 'crm-api',
        route: '/api/customers/:id/contacts',
        method: 'POST',
        path: `/api/customers/${chance(0.03) ? int(5_000_000, 6_000_000) : customer()}/contacts`,
        body: { kind: pick(CONTACT_KINDS), note: 'Followed up on the quote' },
        onResponse: (s, b) => {
          if (s === 201) contacts.push((b as { id: number }).id);
        },
      }),
    },
    {
      service: 'crm-api',
      weight: 1,
      next: () => ({
        service: 'crm-api',
        route: '/api/contacts/:id',
        method: 'DELETE',
        path: `/api/contacts/${contacts.take() ?? int(50_000_000, 60_000_000)}`,
      }),
    },
    {
      service: 'crm-api',
      weight: 1,
      next: () => ({
        service: 'crm-api',
        route: '/api/reports/segments',
        method: 'GET',
        path: '/api/reports/segments',
      }),
    },
  ];

  return [...mes, ...shop, ...crm];
}

/** One order of a flood (the order-flood fault): small valid orders from a few batch users. */
export function floodOrder(): RequestSpec {
  return {
    service: 'mes-api',
    route: '/api/orders',
    method: 'POST',
    path: '/api/orders',
    headers: { 'x-user-id': `flood-${int(0, 9)}` },
    body: {
      product: 'batch-import',
      quantity: 1,
      materials: [{ sku: 'm6-bolt', qty: 1 }],
      operations: [{ machine: 'assembly-cell', minutes: 1 }],
    },
  };
}
