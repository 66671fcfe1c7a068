// The command-line tools the deployment checks need, installed on first use and cached outside the repo
// (~/.cache/foursignals/tools, or $FOURSIGNALS_CACHE_DIR/tools): Debian's docker-compose (validates compose files
// without an engine), kubeconform and kustomize (Go modules, `go install` at pinned versions), and the Kubernetes
// JSON schemas kubeconform validates against (converted from the OpenAPI document of the k8s.io/kubernetes module,
// since kubeconform's own schema download needs the internet).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeKubeconformSchemas } from './k8s-schemas.ts';

/** Pinned tool versions: bump here only. */
export const VERSIONS = {
  kubeconform: 'v0.8.0',
  kustomize: 'v5.7.1',
  /** Kubernetes release whose API schemas the manifests are validated against. */
  kubernetes: '1.35.4',
} as const;

/** The repository root (this file is packages/deploy-tests/src/tools.ts). */
export const REPO = resolve(import.meta.dirname, '..', '..', '..');

const GO = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';

export function cacheRoot(): string {
  const base =
    process.env.FOURSIGNALS_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'foursignals');
  const dir = join(base, 'tools');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function log(message: string): void {
  process.stderr.write(`deploy-tests: ${message}\n`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, cwd, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${(r.stderr || r.stdout).slice(-4000)}`);
  }
  return r.stdout;
}

function onPath(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** `go install module@version` into the cache; returns the binary path. */
function goInstall(module: string, version: string, binaryName: string): string {
  const dir = join(cacheRoot(), `${binaryName}-${version}`);
  const binary = join(dir, binaryName);
  if (existsSync(binary)) return binary;
  log(`installing ${module}@${version} (go install, once) ...`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  run(GO, ['install', `${module}@${version}`], {
    ...process.env,
    GOBIN: tmp,
    GOFLAGS: '-trimpath',
    CGO_ENABLED: '0',
    PATH: `/usr/local/go/bin:${process.env.PATH ?? ''}`,
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return binary;
}

/** Debian's docker-compose v1 (installed with apt-get if missing): `config` validates without a Docker engine. */
export function dockerCompose(): string {
  const found = onPath('docker-compose');
  if (found) return found;
  log('installing docker-compose (apt-get, once) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'docker-compose'], { env, encoding: 'utf8' });
  let r = install();
  if (r.status !== 0) {
    run('apt-get', ['update', '-qq'], env);
    r = install();
  }
  if (r.status !== 0) throw new Error(`apt-get install docker-compose failed:\n${r.stderr}`);
  const path = onPath('docker-compose');
  if (!path) throw new Error('docker-compose is not on PATH after apt-get install');
  return path;
}

export function kubeconform(): string {
  return goInstall('github.com/yannh/kubeconform/cmd/kubeconform', VERSIONS.kubeconform, 'kubeconform');
}

export function kustomize(): string {
  return goInstall('sigs.k8s.io/kustomize/kustomize/v5', VERSIONS.kustomize, 'kustomize');
}

/**
 * A kubeconform schema directory for VERSIONS.kubernetes: `<dir>/<kind>-<group>-<version>.json`, strict (unknown
 * fields are errors). Made once from api/openapi-spec/swagger.json of the k8s.io/kubernetes Go module.
 */
export function kubernetesSchemas(): string {
  const dir = join(cacheRoot(), `kubernetes-schemas-v${VERSIONS.kubernetes}-strict`);
  if (existsSync(join(dir, 'deployment-apps-v1.json'))) return dir;
  log(`making Kubernetes v${VERSIONS.kubernetes} JSON schemas (once) ...`);
  const out = run(
    GO,
    ['mod', 'download', '-json', `k8s.io/kubernetes@v${VERSIONS.kubernetes}`],
    {
      ...process.env,
      GOFLAGS: '-mod=mod',
      PATH: `/usr/local/go/bin:${process.env.PATH ?? ''}`,
    },
    cacheRoot(),
  );
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download k8s.io/kubernetes: ${info.Error ?? out}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const count = writeKubeconformSchemas(join(info.Dir, 'api', 'openapi-spec', 'swagger.json'), tmp);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`wrote ${count} kind schemas to ${dir}`);
  return dir;
}

/** The collector binary (otel-collector/build.sh: cached by manifest hash; builds it when missing). */
export function collectorBinary(): string {
  const out = execFileSync('bash', [join(REPO, 'otel-collector', 'build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const path = out.trim().split('\n').pop();
  if (!path || !existsSync(path)) throw new Error(`otel-collector/build.sh printed no binary path: ${out}`);
  return path;
}

/** `otel-receivers --check` on a receivers config (the receivers package's own validation, every problem listed). */
export function checkReceiversConfig(file: string, env: Record<string, string>): { ok: boolean; output: string } {
  const r = spawnSync(
    process.execPath,
    [join(REPO, 'packages', 'receivers', 'src', 'cli.ts'), '--check', '--config', file],
    { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } },
  );
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
