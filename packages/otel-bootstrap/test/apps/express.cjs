// Express app used by the tests and the benchmark. EXPRESS_MODULE picks express (5) or express4.
const express = require(process.env.EXPRESS_MODULE || 'express');
const app = express();
app.get('/api/orders/:id', (req, res) => res.json({ id: req.params.id }));
app.post('/api/orders', (_req, res) => res.status(201).json({ ok: true }));
app.get('/api/fail', (_req, res) => res.status(500).send('boom'));
app.get('/api/throw', () => {
  throw new Error('thrown');
});
const users = express.Router();
users.get('/orders/:orderId', (_req, res) => res.json({ ok: true }));
users.get('/broken', (_req, _res, next) => next(new Error('nested failure')));
app.use('/api/users/:userId', users);
const admin = express.Router();
const deep = express.Router();
deep.get('/items/:itemId', (_req, res) => res.send('deep'));
admin.use('/teams/:teamId', deep);
app.use('/admin', admin);
app.get('/auth', (_req, res) => res.status(401).send('no'));
// A sub-application mounted on a parameterised path.
const tenantApp = express();
tenantApp.get('/status/:code', (req, res) => res.status(Number(req.params.code)).send('s'));
app.use('/v1/:tenant', tenantApp);
app.use((err, _req, res, _next) => {
  res.status(err.message === 'nested failure' ? 502 : 500).send('error');
});
const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
