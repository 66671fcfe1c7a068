// An app with its own SIGTERM handler: it closes the server and exits with code 0 when idle.
const http = require('node:http');
const server = http.createServer((_req, res) => res.end('ok'));
process.on('SIGTERM', () => server.close());
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
