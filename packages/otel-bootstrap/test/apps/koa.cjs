// Koa + @koa/router app: route templates through the router's matched layer (prefixes and nested routers too).
// Koa 3 + @koa/router 15 by default; APP_MODULES=<dir> loads the packages from that directory instead
// (packages/otel-bootstrap-previous-majors: Koa 2), KOA_ROUTER names the router package there (@koa/router 13, or
// koa-router-12, an alias of @koa/router 12).
const load = process.env.APP_MODULES ? require('node:module').createRequire(`${process.env.APP_MODULES}/`) : require;
require('./expect-versions.cjs')(load);
const Koa = load('koa');
const Router = load(process.env.KOA_ROUTER || '@koa/router');

const app = new Koa();
const router = new Router();
router.get('/api/orders/:id', (ctx) => {
  ctx.body = { id: ctx.params.id };
});
router.post('/api/orders', (ctx) => {
  ctx.status = 201;
  ctx.body = { ok: true };
});
router.get('/api/fail', (ctx) => {
  ctx.status = 500;
  ctx.body = 'boom';
});
router.get('/api/throw', () => {
  throw new Error('thrown');
});
const users = new Router({ prefix: '/api/users/:userId' });
users.get('/orders/:orderId', (ctx) => {
  ctx.body = 'ok';
});
app.use(router.routes()).use(router.allowedMethods());
app.use(users.routes());
app.on('error', () => {});
const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
);
