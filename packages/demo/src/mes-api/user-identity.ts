// The DAU identity hook for otel-bootstrap (FOURSIGNALS_DAU_IDENTITY=hook:<this file>): the MES API's user is the
// `x-user-id` header or the `sub` claim of a bearer JWT (decoded only; the API itself verifies it). Plain
// JavaScript-compatible TypeScript so the bootstrap can load it with require() or import().
import type { IncomingMessage } from 'node:http';

export default function userIdentity(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
    const body = auth.slice(7).split('.')[1];
    if (!body) return undefined;
    try {
      const sub = (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
      return typeof sub === 'string' ? sub : undefined;
    } catch {
      return undefined;
    }
  }
  const id = req.headers['x-user-id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}
