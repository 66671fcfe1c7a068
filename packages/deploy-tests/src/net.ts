import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './tools.ts';

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
