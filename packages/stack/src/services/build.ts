import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { StackContext } from './service.ts';

/**
 * One of the repo's Go build scripts (otel-collector/build.sh, scripts/build-seaweedfs.sh): progress goes straight
 * to our stderr, the binary's path is stdout's last line. Cached builds return at once; a first build takes minutes,
 * so `up` starts these first and lets them run beside the Debian installs and the TypeScript build.
 */
export function buildScript(ctx: StackContext, script: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ctx.repo, script)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FOURSIGNALS_CACHE_DIR: ctx.cache },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const path = out.trim().split('\n').pop();
      if (code !== 0) reject(new Error(`${what}: the build failed (see its output above)`));
      else if (!path) reject(new Error(`${what}: ${script} printed no binary path`));
      else resolve(path);
    });
  });
}

/** The same, blocking (for callers outside `up`, e.g. a service started on its own). */
export function buildScriptSync(ctx: StackContext, script: string, what: string): string {
  const r = spawnSync('bash', [join(ctx.repo, script)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, FOURSIGNALS_CACHE_DIR: ctx.cache },
  });
  if (r.status !== 0) throw new Error(`${what}: the build failed (see its output above)`);
  const path = r.stdout.trim().split('\n').pop();
  if (!path) throw new Error(`${what}: ${script} printed no binary path`);
  return path;
}
