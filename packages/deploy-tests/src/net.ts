import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './tools.ts';

/** A TCP port free on 127.0.0.1 right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface GeneratedCerts {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  tokenFile: string;
  token: string;
}

/** Runs deploy/compose/gen-certs.sh (the script users run) into a fresh temporary directory. */
export function generateCerts(names: string[] = []): GeneratedCerts {
  const dir = mkdtempSync(join(tmpdir(), 'foursignals-certs-'));
  execFileSync('bash', [join(REPO, 'deploy', 'compose', 'gen-certs.sh'), dir, ...names], { stdio: 'pipe' });
  const tokenFile = join(dir, 'token');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    tokenFile,
    token: readFileSync(tokenFile, 'utf8').trim(),
  };
}
