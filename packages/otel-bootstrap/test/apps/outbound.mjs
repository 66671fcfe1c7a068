// Outbound calls for the http.client.request.duration test: GET /run makes a fixed set of calls with node:http and
// with fetch to a local target server (and one to a closed port), then answers with the target's port.
import http from 'node:http';

const target = http.createServer((req, res) => {
  if (req.url === '/drop') {
    req.socket.destroy();
    return;
  }
  res.statusCode = req.url === '/missing' ? 404 : req.url === '/fail' ? 503 : 200;
  res.end('t');
});
await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
const port = target.address().port;

const get = (path, p = port) =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: p, path }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', resolve);
  });
const post = (path) =>
  new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.end('body');
  });

async function run() {
  for (let i = 0; i < 3; i++) await get('/ok');
  await get('/fail');
  await post('/ok');
  await get('/', 1); // nothing listens on port 1: ECONNREFUSED
  for (let i = 0; i < 4; i++) await (await fetch(`http://127.0.0.1:${port}/ok`)).text();
  for (let i = 0; i < 2; i++) await (await fetch(`http://127.0.0.1:${port}/missing`)).text();
  await fetch(`http://127.0.0.1:${port}/drop`).catch(() => {});
}

const api = http.createServer((req, res) => {
  if (req.url !== '/run') {
    res.statusCode = 404;
    res.end();
    return;
  }
  run().then(() => res.end(JSON.stringify({ target: port })));
});
api.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: api.address().port })}\n`));
