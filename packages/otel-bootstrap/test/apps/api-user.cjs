// An app that also records its own metric through @opentelemetry/api, creating the counter at load time (before
// the bootstrap's SDK exists): the bootstrap's global MeterProvider proxy must deliver it.
const http = require('node:http');
const { metrics } = require('@opentelemetry/api');

const orders = metrics.getMeter('api-user-app').createCounter('app.test.orders', { unit: '{order}' });
const server = http.createServer((req, res) => {
  orders.add(2, { 'order.kind': req.url === '/rush' ? 'rush' : 'normal' });
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
