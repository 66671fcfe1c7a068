// Hapi 21 app: route templates from the matched route (`{param}` syntax), a plugin's route prefix included.
const Hapi = require('@hapi/hapi');

async function main() {
  const server = Hapi.server({ port: Number(process.env.PORT || 0), host: '127.0.0.1' });
  server.route({ method: 'GET', path: '/api/orders/{id}', handler: (req) => ({ id: req.params.id }) });
  server.route({ method: 'POST', path: '/api/orders', handler: (_req, h) => h.response({ ok: true }).code(201) });
  server.route({ method: 'GET', path: '/api/fail', handler: (_req, h) => h.response('boom').code(500) });
  server.route({
    method: 'GET',
    path: '/api/throw',
    handler: () => {
      throw new Error('thrown');
    },
  });
  await server.register(
    {
      name: 'users',
      register: (s) => {
        s.route({ method: 'GET', path: '/{userId}/orders/{orderId}', handler: () => 'ok' });
      },
    },
    { routes: { prefix: '/api/users' } },
  );
  await server.start();
  process.stdout.write(`${JSON.stringify({ port: server.info.port })}\n`);
}
main();
