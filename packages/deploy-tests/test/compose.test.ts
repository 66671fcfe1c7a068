// docker-compose deployment: the file is valid for Compose (Debian's docker-compose v1 validates and resolves it
// without a container engine; none runs on the build machine), and what it resolves to is what the docs promise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { generateCerts } from '../src/net.ts';
import { checkReceiversConfig, dockerCompose, REPO } from '../src/tools.ts';

const COMPOSE_DIR = join(REPO, 'deploy', 'compose');
const COMPOSE_FILE = join(COMPOSE_DIR, 'docker-compose.yml');

interface Service {
  image?: string;
  mem_limit?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: (string | { target: number; published: number; host_ip?: string })[];
  volumes?: string[];
  profiles?: string[];
  secrets?: { source: string }[];
}
interface Resolved {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
}

let compose: string;
const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'foursignals-compose-')), 'empty.env');
writeFileSync(emptyEnvFile, '');

/** `docker-compose config` with only the given variables (never a developer's deploy/compose/.env). */
function composeConfig(vars: Record<string, string>, extra: string[] = []) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...vars };
  return spawnSync(compose, ['--env-file', emptyEnvFile, '-f', COMPOSE_FILE, ...extra, 'config'], {
    encoding: 'utf8',
    env,
    cwd: COMPOSE_DIR,
  });
}

const REQUIRED = {
  INFLUXDB_TOKEN: 'test-influx-token',
  INFLUXDB_ADMIN_PASSWORD: 'test-admin-password',
  GRAFANA_ADMIN_PASSWORD: 'test-grafana-password',
};

describe('docker-compose deployment', () => {
  let resolved: Resolved;

  before(() => {
    compose = dockerCompose();
    const certs = generateCerts();
    const r = composeConfig({ ...REQUIRED, SECRETS_DIR: certs.dir }, ['--profile', 'demo']);
    assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
    resolved = parse(r.stdout) as Resolved;
  });

  it('is valid and has every service of the pipeline, the demo under its profile', () => {
    const names = Object.keys(resolved.services).sort();
    for (const s of ['collector', 'prometheus', 'alertmanager', 'influxdb', 'grafana', 'receivers']) {
      assert.ok(names.includes(s), `service ${s} missing (have ${names.join(', ')})`);
      assert.equal(resolved.services[s]!.profiles, undefined, `${s} must run without a profile`);
    }
    for (const s of ['mes-api', 'shop-api', 'crm-api', 'mes-worker', 'loadgen', 'postgres', 'rabbitmq', 's3']) {
      assert.deepEqual(resolved.services[s]?.profiles, ['demo'], `${s} belongs to the demo profile`);
    }
  });

  it('refuses to resolve without the secrets it needs (no default password or token)', () => {
    const r = composeConfig({});
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /INFLUXDB_TOKEN|INFLUXDB_ADMIN_PASSWORD|GRAFANA_ADMIN_PASSWORD/);
  });

  it('pins every image by version', () => {
    for (const [name, s] of Object.entries(resolved.services)) {
      assert.ok(s.image, `${name} has no image name`);
      const tag = s.image.split('/').pop()!.split(':')[1];
      assert.ok(tag && tag !== 'latest' && /\d/.test(tag), `${name}: image ${s.image} is not pinned by version`);
    }
    for (const dockerfile of [join(REPO, 'otel-collector', 'Dockerfile'), join(COMPOSE_DIR, 'node.Dockerfile')]) {
      for (const line of readFileSync(dockerfile, 'utf8')
        .split('\n')
        .filter((l) => /^FROM /.test(l))) {
        const image = line.split(/\s+/)[1]!;
        assert.match(image.split('/').pop()!, /:[\w.-]*\d/, `${dockerfile}: ${image} is not pinned`);
      }
    }
  });

  it('builds the collector from the same builder manifest, builder version and config files as the local stack', () => {
    const c = resolved.services.collector!;
    assert.equal(c.build?.context, join(REPO, 'otel-collector'));
    const dockerfile = readFileSync(join(REPO, 'otel-collector', 'Dockerfile'), 'utf8');
    const buildSh = readFileSync(join(REPO, 'otel-collector', 'build.sh'), 'utf8');
    const builderVersion = /builder_version="(v[\d.]+)"/.exec(buildSh)?.[1];
    assert.ok(builderVersion);
    assert.match(dockerfile, new RegExp(`ARG BUILDER_VERSION=${builderVersion.replaceAll('.', '\\.')}\\n`));
    assert.match(dockerfile, /COPY builder-config\.yaml/);
    assert.match(dockerfile, /COPY config\.yaml \/etc\/otelcol\/config\.yaml/);
    assert.match(dockerfile, /COPY overlays\/ \/etc\/otelcol\/overlays\//);
    assert.deepEqual(c.command, [
      '--config=/etc/otelcol/config.yaml',
      '--config=/etc/otelcol/overlays/auth.yaml',
      '--config=/etc/otelcol/overlays/tls.yaml',
    ]);
    for (const overlay of ['auth.yaml', 'tls.yaml']) {
      assert.ok(existsSync(join(REPO, 'otel-collector', 'overlays', overlay)), overlay);
    }
  });

  it('writes to InfluxDB 2.x through the v2 API (org, bucket, token) and to Prometheus by remote write', () => {
    const env = resolved.services.collector!.environment!;
    assert.equal(env.INFLUXDB_V1_COMPATIBILITY, 'false');
    assert.ok(
      resolved.services.collector!.mem_limit,
      'the memory_limiter needs a cgroup limit to take a percentage of',
    );
    assert.equal(env.COLLECTOR_MEMORY_LIMIT_PERCENTAGE, '80');
    assert.equal(env.INFLUXDB_TOKEN, REQUIRED.INFLUXDB_TOKEN);
    assert.ok(env.INFLUXDB_ORG && env.INFLUXDB_BUCKET);
    assert.equal(env.PROMETHEUS_REMOTE_WRITE_URL, 'http://prometheus:9090/api/v1/write');
    assert.match(resolved.services.influxdb!.image!, /^influxdb:2\./);
    assert.ok(resolved.services.prometheus!.command!.includes('--web.enable-remote-write-receiver'));
  });

  it('gives the collector its token and TLS key as secrets, and exposes only OTLP beyond 127.0.0.1', () => {
    const c = resolved.services.collector!;
    assert.deepEqual(c.secrets?.map((s) => s.source).sort(), [
      'collector_tls_crt',
      'collector_tls_key',
      'collector_token',
    ]);
    for (const [name, s] of Object.entries(resolved.services)) {
      for (const p of s.ports ?? []) {
        const text = typeof p === 'string' ? p : `${p.host_ip ?? ''}:${p.published}:${p.target}`;
        const [host, published] = text.split(':');
        if (name === 'collector' && (published === '4317' || published === '4318')) continue;
        assert.equal(host, '127.0.0.1', `${name} publishes ${text} beyond the loopback interface`);
      }
    }
    for (const s of ['receivers', 'mes-api', 'shop-api', 'crm-api', 'mes-worker']) {
      const env = resolved.services[s]!.environment!;
      assert.equal(env.NODE_EXTRA_CA_CERTS, '/run/secrets/collector_ca', `${s} trusts the collector's CA`);
      assert.equal(env.FOURSIGNALS_OTLP_TOKEN_FILE, '/run/secrets/collector_token');
    }
  });

  it('mounts only files that exist: Prometheus config and the shared alert rules, Grafana provisioning and dashboards', () => {
    for (const [name, s] of Object.entries(resolved.services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('/')) continue; // a named volume
        assert.ok(existsSync(source), `${name}: mounted ${source} does not exist`);
      }
    }
    const mounts = (name: string) => resolved.services[name]!.volumes!.map((v) => v.split(':').slice(0, 2).join(':'));
    assert.ok(mounts('prometheus').includes(`${join(REPO, 'deploy', 'prometheus', 'rules')}:/etc/prometheus/rules`));
    assert.ok(
      mounts('grafana').includes(
        `${join(REPO, 'deploy', 'grafana', 'dashboards')}:/var/lib/grafana/dashboards/foursignals`,
      ),
    );
    assert.ok(
      mounts('grafana').includes(
        `${join(REPO, 'deploy', 'grafana', 'provisioning', 'dashboards')}:/etc/grafana/provisioning/dashboards`,
      ),
      'the shared dashboards provider',
    );
    for (const secret of Object.values(resolved.secrets)) assert.ok(existsSync(secret.file), secret.file);
  });

  it("has a receivers config that the receivers' own validation accepts, with secrets from the environment only", () => {
    const file = join(COMPOSE_DIR, 'receivers', 'receivers.yaml');
    const secrets = {
      MONITOR_DB_PASSWORD: 'p',
      S3_SECRET_ACCESS_KEY: 's',
      RABBITMQ_MONITOR_PASSWORD: 'r',
      FOURSIGNALS_OTLP_TOKEN: 't',
    };
    const ok = checkReceiversConfig(file, secrets);
    assert.ok(ok.ok, ok.output);
    const missing = checkReceiversConfig(file, {});
    assert.equal(missing.ok, false, 'a secret has a default in receivers.yaml');
    for (const name of Object.keys(secrets)) assert.match(missing.output, new RegExp(`${name} is not set`));
  });

  it('provisions a Grafana data source for every data source uid the dashboards use', () => {
    const provisioned = parse(
      readFileSync(join(COMPOSE_DIR, 'grafana', 'provisioning', 'datasources', 'datasources.yaml'), 'utf8'),
    ) as { datasources: { uid: string; type: string }[] };
    const byUid = new Map(provisioned.datasources.map((d) => [d.uid, d.type]));
    const dir = join(REPO, 'deploy', 'grafana', 'dashboards');
    const used = new Map<string, string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(/"datasource":\s*\{\s*"type":\s*"([^"]+)",\s*"uid":\s*"([^"$]+)"/g)) {
        used.set(m[2]!, m[1]!);
      }
      // Panels name a data source variable (${prometheus}); its default is the uid provisioning must provide.
      const dashboard = JSON.parse(text) as {
        templating?: { list?: { type: string; query?: string; current?: { value?: string } }[] };
      };
      for (const v of dashboard.templating?.list ?? []) {
        if (v.type === 'datasource' && v.current?.value && v.query) used.set(v.current.value, v.query);
      }
    }
    assert.ok(used.size > 0, 'no data source references found in the dashboards');
    for (const [uid, type] of used) assert.equal(byUid.get(uid), type, `data source ${uid} (${type}) not provisioned`);
    const env = resolved.services.grafana!.environment!;
    assert.equal(env.FOURSIGNALS_DASHBOARDS_DIR, '/var/lib/grafana/dashboards/foursignals');
  });

  it('has an Alertmanager config that amtool accepts', () => {
    const r = spawnSync('amtool', ['check-config', join(COMPOSE_DIR, 'alertmanager', 'alertmanager.yml')], {
      encoding: 'utf8',
    });
    assert.equal(
      r.error,
      undefined,
      'amtool (Debian package prometheus-alertmanager, installed by the stack) is missing',
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });

  it('has a Prometheus config that promtool accepts', () => {
    // The container path of the rule files is rewritten to the repo's rules (promtool also checks them).
    const dir = mkdtempSync(join(tmpdir(), 'foursignals-promtool-'));
    const text = readFileSync(join(COMPOSE_DIR, 'prometheus', 'prometheus.yml'), 'utf8').replace(
      '/etc/prometheus/rules/*.yml',
      join(REPO, 'deploy', 'prometheus', 'rules', '*.yml'),
    );
    writeFileSync(join(dir, 'prometheus.yml'), text);
    const r = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    assert.equal(r.error, undefined, 'promtool (Debian package prometheus, installed by the stack) is missing');
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
});
