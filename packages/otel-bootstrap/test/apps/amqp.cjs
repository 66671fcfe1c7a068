// Publishes and consumes a known number of messages through amqplib, then exits.
const amqp = require('amqplib');

async function main() {
  const conn = await amqp.connect(process.env.AMQP_URL);
  const ch = await conn.createChannel();
  const q = process.env.QUEUE;
  await ch.assertQueue(q, { exclusive: true });
  const n = Number(process.env.MESSAGES);
  let got = 0;
  const done = new Promise((resolve) => {
    ch.consume(q, (msg) => {
      ch.ack(msg);
      if (++got === n) resolve();
    });
  });
  for (let i = 0; i < n; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
  await done;
  await ch.close();
  await conn.close();
  process.stdout.write(`${JSON.stringify({ port: 0, got })}\n`);
}
main();
