// Koa 3 + @koa/router app: route templates through the router's matched layer (prefixes and nested routers too).
const Koa = require('koa');
const Router = require('@koa/router');

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
