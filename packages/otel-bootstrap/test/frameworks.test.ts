// Route templates from the frameworks other than Express and Fastify (http.test.ts): Koa + @koa/router, Hapi, and
// NestJS on both its Express and its Fastify adapters, each in its current and its previous major (Koa 3 and 2 with
// @koa/router 15, 13 and 12; NestJS 12 and 11). Real apps with the published packages, exact counts in Prometheus
// through the stack's collector.
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  type App,
  assertInPrometheus,
  otlpEnv,
  type Plan,
  type Preload,
  REPO_DIR,
  runPlan,
  startApp,
  uniqueService,
} from './helpers.ts';

const apps: App[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop('SIGKILL')));
});

type Case = [label: string, app: string, preload: Preload, env: Record<string, string>, plan: Plan];

// The previous majors (Koa 2, @koa/router 12 and 13, NestJS 11) come from their own workspace; the apps load them
// with createRequire on its directory and exit if they got another major (EXPECT_MAJORS).
const PREVIOUS = join(REPO_DIR, 'packages', 'otel-bootstrap-previous-majors');

const koaPlan: Plan = [
  ['GET', '/api/orders/1', 4, 'GET /api/orders/:id 200'],
  ['GET', '/api/orders/2', 3, 'GET /api/orders/:id 200'],
  ['POST', '/api/orders', 2, 'POST /api/orders 201'],
  ['GET', '/api/fail', 2, 'GET /api/fail 500'],
  ['GET', '/api/throw', 1, 'GET /api/throw 500'],
  ['GET', '/api/users/7/orders/8', 3, 'GET /api/users/:userId/orders/:orderId 200'],
  ['GET', '/no/such/route', 5, 'GET  404'],
];

const koaCases: Case[] = [
  ['Koa 3 + @koa/router 15 (--require)', 'require-dir', { EXPECT_MAJORS: 'koa@3 @koa/router@15' }],
  [
    'Koa 2 + @koa/router 13 (--require)',
    'require-dir',
    { APP_MODULES: PREVIOUS, EXPECT_MAJORS: 'koa@2 @koa/router@13' },
  ],
  [
    'Koa 2 + @koa/router 12 (--import)',
    'import-register',
    { APP_MODULES: PREVIOUS, KOA_ROUTER: 'koa-router-12', EXPECT_MAJORS: 'koa@2 koa-router-12@12' },
  ],
].map(([label, preload, env]) => [label, 'koa.cjs', preload, env, koaPlan] as Case);

const nestPlan: Plan = [
  ['GET', '/items/1', 4, 'GET /items/:id 200'],
  ['GET', '/items/2', 2, 'GET /items/:id 200'],
  ['POST', '/items', 3, 'POST /items 201'],
  ['GET', '/items/fail/now', 2, 'GET /items/fail/now 500'],
  ['GET', '/no/such/route', 5, 'GET  404'],
];

const nestCases: Case[] = (['express', 'fastify'] as const).flatMap((adapter): Case[] => {
  const platform = `@nestjs/platform-${adapter}`;
  return [
    [
      `NestJS 12 on its ${adapter} adapter`,
      'nest.cjs',
      'require-register',
      { NEST_ADAPTER: adapter, EXPECT_MAJORS: `@nestjs/core@12 @nestjs/common@12 ${platform}@12` },
      nestPlan,
    ],
    [
      `NestJS 11 on its ${adapter} adapter`,
      'nest.cjs',
      'require-register',
      {
        NEST_ADAPTER: adapter,
        APP_MODULES: PREVIOUS,
        EXPECT_MAJORS: `@nestjs/core@11 @nestjs/common@11 ${platform}@11`,
      },
      nestPlan,
    ],
  ];
});

const cases: Case[] = [
  ...koaCases,
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
  ...nestCases,
];

for (const [label, app, preload, env, plan] of cases) {
  test(`${label}: counts per route template, unmatched requests without a route`, async () => {
    const service = uniqueService(app.replace(/\..*$/, ''));
    const a = await startApp(app, otlpEnv(service, env), preload);
    apps.push(a);
    await assertInPrometheus(service, await runPlan(a, plan));
  });
}
