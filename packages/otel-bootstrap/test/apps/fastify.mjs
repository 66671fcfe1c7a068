// Fastify 5 app (ESM) used by the tests and the benchmark.
import Fastify from 'fastify';

const app = Fastify();
app.get('/api/orders/:id', async (req) => ({ id: req.params.id }));
app.post('/api/orders', async (_req, reply) => reply.code(201).send({ ok: true }));
app.get('/api/fail', async (_req, reply) => reply.code(500).send('boom'));
app.register(
  async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      if (req.headers.authorization !== 'letmein') return reply.code(401).send('no');
    });
    scope.get('/secure/:thing', async () => 'ok');
  },
  { prefix: '/api/v2' },
);
await app.listen({ port: Number(process.env.PORT || 0), host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ port: app.server.address().port }) + '\n');
