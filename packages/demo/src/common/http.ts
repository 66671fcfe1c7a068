import type { Server } from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';

/** Thrown by a handler to answer with a status and a message. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function createApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));
  return app;
}

/** Adds the 404 and error handlers last: malformed JSON and HttpError answer 4xx; anything else is a 500. */
export function finishApp(app: Express, service: string): void {
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status =
      err instanceof HttpError ? err.status : typeof err?.status === 'number' && err.status < 500 ? err.status : 500;
    if (status >= 500 && !(err instanceof HttpError)) console.error(`${service}: ${err?.stack ?? err}`);
    if (!res.headersSent) res.status(status).json({ error: status >= 500 ? 'internal error' : String(err.message) });
  };
  app.use(onError);
}

/** Listens on 127.0.0.1; SIGTERM/SIGINT close the server, then `cleanup`, then exit. */
export function serve(app: Express, port: number, service: string, cleanup: () => Promise<void>): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1', (err?: Error) => {
      if (err) return reject(err);
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      console.log(`${service} listening on http://127.0.0.1:${actual}`);
      resolve(server);
    });
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      server.close();
      server.closeIdleConnections();
      // otel-bootstrap exports its last data on the same signal; give that a second after our own clean-up (the
      // process may also end earlier on its own), and exit in any case after a few seconds
      cleanup()
        .catch((e) => console.error(`${service}: cleanup: ${e}`))
        .finally(() => setTimeout(() => process.exit(0), 1000).unref());
      setTimeout(() => process.exit(0), 5000).unref();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** Parses a positive integer path/query parameter, or throws 400. */
export function intParam(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 31 - 1) throw new HttpError(400, `${name} must be a positive integer`);
  return n;
}
