// A server whose process also runs a worker thread (preloads run in workers too): measured once, from the main thread.
const { Worker, isMainThread } = require('node:worker_threads');
if (isMainThread) {
  const worker = new Worker(__filename);
  worker.unref();
  const server = require('node:http').createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
} else {
  setInterval(() => {}, 1000);
}
