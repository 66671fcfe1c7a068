// A process without any HTTP server (like a queue worker): it must still report its runtime metrics.
const timer = setInterval(() => {}, 1000);
process.on('SIGTERM', () => clearInterval(timer));
process.stdout.write(`${JSON.stringify({ port: 0 })}\n`);
