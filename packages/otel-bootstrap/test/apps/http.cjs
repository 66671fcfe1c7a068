// A plain node:http app (CommonJS).
const http = require('node:http');
const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/missing' ? 404 : 200;
  res.end('ok');
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
