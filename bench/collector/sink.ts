// A minimal write endpoint for the capacity benchmark: accepts Prometheus remote write (/api/v1/write) and InfluxDB
// line protocol (/write, /api/v2/write), counts requests and bytes, answers 204. It stands in for the backends so
// the benchmark measures the collector, not Prometheus or InfluxDB (which would need the same 2 cores).
// Run as a child process: prints {"port": N} on stdout, answers GET /stats with the counts.
import { createServer } from 'node:http';

const counts: Record<string, { requests: number; bytes: number }> = {};
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counts));
    return;
  }
  const path = (req.url ?? '/').split('?')[0]!;
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    const c = counts[path] ?? { requests: 0, bytes: 0 };
    counts[path] = c;
    c.requests++;
    c.bytes += bytes;
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
