// Route templates from the frameworks other than Express and Fastify (http.test.ts): Koa + @koa/router, Hapi, and
// NestJS on both its Express and its Fastify adapters. Real apps with the published packages, exact counts in
// Prometheus through the stack's collector.
import { after, test } from 'node:test';
import {
  type App,
  assertInPrometheus,
  otlpEnv,
  type Plan,
  type Preload,
  runPlan,
  startApp,
  uniqueService,
} from './helpers.ts';

const apps: App[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop('SIGKILL')));
});

type Case = [label: string, app: string, preload: Preload, env: Record<string, string>, plan: Plan];

const cases: Case[] = [
  [
    'Koa 3 + @koa/router (--require)',
    'koa.cjs',
    'require-dir',
    {},
    [
      ['GET', '/api/orders/1', 4, 'GET /api/orders/:id 200'],
      ['GET', '/api/orders/2', 3, 'GET /api/orders/:id 200'],
      ['POST', '/api/orders', 2, 'POST /api/orders 201'],
      ['GET', '/api/fail', 2, 'GET /api/fail 500'],
      ['GET', '/api/throw', 1, 'GET /api/throw 500'],
      ['GET', '/api/users/7/orders/8', 3, 'GET /api/users/:userId/orders/:orderId 200'],
      ['GET', '/no/such/route', 5, 'GET  404'],
    ],
  ],
  [
    'Hapi 21 (--import)',
    'hapi.cjs',
    'import-register',
    {},
    [
      ['GET', '/api/orders/1', 4, 'GET /api/orders/{id} 200'],
      ['GET', '/api/orders/2', 3, 'GET /api/orders/{id} 200'],
      ['POST', '/api/orders', 2, 'POST /api/orders 201'],
      ['GET', '/api/fail', 2, 'GET /api/fail 500'],
      ['GET', '/api/throw', 1, 'GET /api/throw 500'],
      ['GET', '/api/users/7/orders/8', 3, 'GET /api/users/{userId}/orders/{orderId} 200'],
      ['GET', '/no/such/route', 5, 'GET  404'],
    ],
  ],
  ...(['express', 'fastify'] as const).map(
    (adapter): Case => [
      `NestJS on its ${adapter} adapter`,
      'nest.cjs',
      'require-register',
      { NEST_ADAPTER: adapter },
      [
        ['GET', '/items/1', 4, 'GET /items/:id 200'],
        ['GET', '/items/2', 2, 'GET /items/:id 200'],
        ['POST', '/items', 3, 'POST /items 201'],
        ['GET', '/items/fail/now', 2, 'GET /items/fail/now 500'],
        ['GET', '/no/such/route', 5, 'GET  404'],
      ],
    ],
  ),
];

for (const [label, app, preload, env, plan] of cases) {
  test(`${label}: counts per route template, unmatched requests without a route`, async () => {
    const service = uniqueService(app.replace(/\..*$/, ''));
    const a = await startApp(app, otlpEnv(service, env), preload);
    apps.push(a);
    await assertInPrometheus(service, await runPlan(a, plan));
  });
}
