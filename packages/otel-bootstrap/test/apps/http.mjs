// A plain node:http app (ESM), preloaded with --require in the test: the CommonJS preload must see an ESM app.
import http from 'node:http';

const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/missing' ? 404 : 200;
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
