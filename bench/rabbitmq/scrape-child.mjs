// One receiver in its own process (so its RSS is its own): discovery and taps ready, then N full scrapes.
// argv: <config JSON> <N>. Prints { durations, rssMiB, points, discoveryS } as JSON.
// Plain JavaScript on the built package (dist/), as the receivers process runs it in production: a .ts entry
// would load Node's type stripper, which alone adds ~20 MiB of RSS.
import { RabbitMQReceiver } from '../../packages/receiver-rabbitmq/dist/index.js';

const config = JSON.parse(process.argv[2]);
const n = Number(process.argv[3] ?? 5);
const receiver = new RabbitMQReceiver('rabbitmq/bench', config);
const t0 = performance.now();
await receiver.taps.discover();
while (!receiver.taps.ready()) await new Promise((r) => setTimeout(r, 100));
const discoveryS = (performance.now() - t0) / 1000;
const durations = [];
let points = 0;
let rss = process.memoryUsage().rss;
const warnings = [];
for (let i = 0; i <= n; i++) {
  const t = performance.now();
  const obs = await receiver.scrape({ signal: AbortSignal.timeout(30_000), warn: (m) => warnings.push(m) });
  if (i > 0) durations.push((performance.now() - t) / 1000);
  points = obs.length;
  rss = Math.max(rss, process.memoryUsage().rss);
}
await receiver.shutdown();
// The tap of this instance is deleted with the bench vhost.
process.stdout.write(JSON.stringify({ durations, rssMiB: rss / 1024 / 1024, points, discoveryS, warnings }));
