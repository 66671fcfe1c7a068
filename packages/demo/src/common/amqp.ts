import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { assertMesTopology } from './topology.ts';

/**
 * One AMQP connection with a confirm channel that reconnects with backoff when the broker goes away.
 * `onChannel` runs on every new channel (the worker starts consuming there).
 */
export class Amqp {
  channel: ConfirmChannel | undefined;
  readonly #url: string;
  readonly #name: string;
  readonly #onChannel: (ch: ConfirmChannel) => Promise<void>;
  #conn: ChannelModel | undefined;
  #closed = false;
  #delay = 500;

  constructor(url: string, name: string, onChannel: (ch: ConfirmChannel) => Promise<void> = async () => {}) {
    this.#url = url;
    this.#name = name;
    this.#onChannel = onChannel;
  }

  async start(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#connect();
        return;
      } catch (err) {
        console.error(`${this.#name}: rabbitmq: ${(err as Error).message}; retrying in ${this.#delay} ms`);
        await new Promise((r) => setTimeout(r, this.#delay));
        this.#delay = Math.min(this.#delay * 2, 10_000);
      }
    }
  }

  async #connect(): Promise<void> {
    const conn = await amqp.connect(this.#url, { clientProperties: { connection_name: this.#name } });
    conn.on('error', (err: Error) => console.error(`${this.#name}: rabbitmq connection: ${err.message}`));
    conn.on('close', () => {
      this.channel = undefined;
      this.#conn = undefined;
      if (!this.#closed) {
        console.error(`${this.#name}: rabbitmq connection closed; reconnecting`);
        setTimeout(() => void this.start(), this.#delay);
      }
    });
    const ch = await conn.createConfirmChannel();
    ch.on('error', (err: Error) => console.error(`${this.#name}: rabbitmq channel: ${err.message}`));
    await assertMesTopology(ch);
    this.#conn = conn;
    this.#delay = 500;
    await this.#onChannel(ch);
    this.channel = ch;
  }

  /**
   * Publishes to a queue through the default exchange and waits for the broker's confirm. `expirationMs`: the
   * message's own TTL (it dead-letters as expired when it reaches the head of the queue later than that).
   */
  publish(queue: string, body: unknown, headers: Record<string, unknown> = {}, expirationMs?: number): Promise<void> {
    const ch = this.channel;
    if (!ch) return Promise.reject(new Error('rabbitmq is not connected'));
    return new Promise((resolve, reject) => {
      ch.sendToQueue(
        queue,
        Buffer.from(JSON.stringify(body)),
        {
          persistent: true,
          contentType: 'application/json',
          headers,
          ...(expirationMs !== undefined ? { expiration: String(expirationMs) } : {}),
        },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#conn?.close().catch(() => {});
  }
}
