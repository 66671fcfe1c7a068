import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the stack keeps data, logs, pid files and endpoints.json: FOURSIGNALS_STATE_DIR if set; as root
 * /var/lib/foursignals (PostgreSQL runs as the `postgres` user and must be able to traverse the path, which
 * /root does not allow); otherwise $XDG_STATE_HOME/foursignals (default ~/.local/state/foursignals).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FOURSIGNALS_STATE_DIR) return env.FOURSIGNALS_STATE_DIR;
  if (process.getuid?.() === 0) return '/var/lib/foursignals';
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'foursignals');
}

/** Build caches (collector binary, SeaweedFS) shared by every clone: FOURSIGNALS_CACHE_DIR or ~/.cache/foursignals. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FOURSIGNALS_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'foursignals');
}
