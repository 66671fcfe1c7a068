// Requests that the client abandons: /hold never answers, /hold-headers sends its headers and then waits; both end
// only when the client goes away. GET /held tells how many are still held, so the test knows when to hang up and
// when the server has noticed. /slow answers after 300 ms (what pipelined requests queue behind).
const http = require('node:http');
let held = 0;
const server = http.createServer((req, res) => {
  if (req.url === '/held') {
    res.end(String(held));
    return;
  }
  if (req.url === '/hold' || req.url === '/hold-headers') {
    held++;
    if (req.url === '/hold-headers') res.flushHeaders();
    res.on('close', () => held--);
    return;
  }
  if (req.url === '/slow') {
    setTimeout(() => res.end('slow'), 300);
    return;
  }
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
