import type { Channel } from 'amqplib';

/** The MES cost-calculation queue: bounded, with a message TTL and a dead-letter exchange. */
export const MES_QUEUE = 'mes.cost-calculation';
export const MES_DLX = 'mes.dlx';
export const MES_DLQ = 'mes.cost-calculation.dead';
/** Orders waiting longer than this expire (dead letters, reason expired). */
export const MES_MESSAGE_TTL_MS = 60_000;
/** More orders than this waiting: the oldest is dropped (dead letters, reason maxlen). */
export const MES_MAX_LENGTH = 500;

/** Declares the queue, the dead-letter exchange and the dead-letter queue; the same arguments everywhere. */
export async function assertMesTopology(ch: Channel): Promise<void> {
  await ch.assertExchange(MES_DLX, 'direct', { durable: true });
  // The dead-letter queue is bounded too, so a demo left running never fills the disk. It has no DLX itself.
  await ch.assertQueue(MES_DLQ, { durable: true, arguments: { 'x-max-length': 10_000 } });
  await ch.bindQueue(MES_DLQ, MES_DLX, MES_QUEUE);
  await ch.assertQueue(MES_QUEUE, {
    durable: true,
    arguments: {
      'x-max-length': MES_MAX_LENGTH,
      'x-message-ttl': MES_MESSAGE_TTL_MS,
      'x-dead-letter-exchange': MES_DLX,
      'x-overflow': 'drop-head',
    },
  });
}
