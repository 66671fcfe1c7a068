import { type Endpoints, readEndpoints } from '@foursignals/stack';

let cached: Endpoints | undefined;

/**
 * The running local stack's endpoints (FOURSIGNALS_STATE_DIR picks the stack), read once. Throws a message that
 * says how to start the stack: only integration tests call it, so a unit test never needs a server.
 */
export function stackEndpoints(): Endpoints {
  cached ??= readEndpoints();
  return cached;
}
