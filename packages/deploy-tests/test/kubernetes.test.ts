// Kubernetes deployment: every kustomization renders (kustomize), every rendered object is valid against the API
// schemas of a recent Kubernetes release (kubeconform -strict: unknown fields are errors), and the objects are what
// the docs promise: agent DaemonSet -> gateway Deployment + HPA + PDB, memory_limiter from the pod limits,
// persistent queues on volumes, TLS + bearer token, no Secret in the manifests, the same collector config.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { checkReceiversConfig, kubeconform, kubernetesSchemas, kustomize, REPO, VERSIONS } from '../src/tools.ts';

const K8S = join(REPO, 'deploy', 'kubernetes');
const TARGETS = ['base', ...readdirSync(join(K8S, 'overlays')).map((o) => `overlays/${o}`)];

// biome-ignore lint/suspicious/noExplicitAny: parsed Kubernetes objects, checked field by field below
type Loose = any;

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Loose;
  data?: Record<string, string>;
};

let kubeconformBin: string;
let schemaDir: string;
const rendered = new Map<string, { text: string; objects: Obj[] }>();

function render(target: string): { text: string; objects: Obj[] } {
  const r = spawnSync(kustomize(), ['build', join(K8S, target)], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  assert.equal(r.status, 0, `kustomize build ${target} failed:\n${r.stderr}`);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
  return { text: r.stdout, objects };
}

function validate(text: string): { status: number | null; output: string } {
  const r = spawnSync(
    kubeconformBin,
    [
      '-strict',
      '-summary',
      '-output',
      'text',
      '-kubernetes-version',
      VERSIONS.kubernetes,
      '-schema-location',
      `${schemaDir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-',
    ],
    { input: text, encoding: 'utf8' },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function find(objects: Obj[], kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} missing`);
  return o;
}

function podSpecs(objects: Obj[]): [string, Loose][] {
  return objects
    .filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind))
    .map((o) => [`${o.kind}/${o.metadata.name}`, o.spec.template.spec]);
}

describe('Kubernetes deployment', () => {
  before(() => {
    kubeconformBin = kubeconform();
    schemaDir = kubernetesSchemas();
    for (const t of TARGETS) rendered.set(t, render(t));
  });

  it('carries the SAME collector config files as otel-collector/ (run deploy/kubernetes/sync-config.sh)', () => {
    const copies = join(K8S, 'base', 'collector', 'config');
    const sources = [
      ['config.yaml', join(REPO, 'otel-collector', 'config.yaml')],
      ...readdirSync(join(REPO, 'otel-collector', 'overlays')).map((f) => [
        f,
        join(REPO, 'otel-collector', 'overlays', f),
      ]),
    ] as const;
    assert.deepEqual(readdirSync(copies).sort(), sources.map(([f]) => f).sort());
    for (const [name, source] of sources) {
      assert.equal(
        readFileSync(join(copies, name), 'utf8'),
        readFileSync(source, 'utf8'),
        `${name} drifted from ${source}: run deploy/kubernetes/sync-config.sh`,
      );
    }
  });

  for (const target of TARGETS) {
    it(`${target}: renders and is valid against the Kubernetes v${VERSIONS.kubernetes} API (kubeconform -strict)`, () => {
      const { text, objects } = rendered.get(target)!;
      assert.ok(objects.length > 10);
      const r = validate(text);
      assert.equal(r.status, 0, r.output);
      assert.match(r.output, new RegExp(`Valid: ${objects.length}, Invalid: 0, Errors: 0, Skipped: 0`));
    });
  }

  it('the validator rejects what the API server would reject (unknown field, wrong type)', () => {
    const { text } = rendered.get('base')!;
    const broken = text.replace(
      'terminationGracePeriodSeconds: 60',
      'terminationGracePeriodSeconds: "60"\n      replica: 2',
    );
    assert.notEqual(broken, text);
    const r = validate(broken);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /got string, want integer/);
    assert.match(r.output, /additional properties 'replica' not allowed/);
  });

  it('runs agents as a DaemonSet that forward to the gateway over TLS with the bearer token', () => {
    const { objects } = rendered.get('base')!;
    const agent = find(objects, 'DaemonSet', 'otel-agent');
    const c = agent.spec.template.spec.containers[0];
    assert.deepEqual(c.args, [
      '--config=/etc/otelcol/config/config.yaml',
      '--config=/etc/otelcol/config/agent.yaml',
      '--config=/etc/otelcol/config/kubelet.yaml',
    ]);
    const mounts = c.volumeMounts.map((m: Loose) => m.mountPath);
    assert.ok(mounts.includes('/var/lib/otelcol'), 'persistent queue volume');
    const caVolume = agent.spec.template.spec.volumes.find((v: Loose) => v.name === 'gateway-ca');
    assert.deepEqual(caVolume.secret.items, [{ key: 'ca.crt', path: 'ca.crt' }], 'the agent gets the CA, not the key');
    assert.equal(find(objects, 'Service', 'otel-agent').spec.internalTrafficPolicy, 'Local');
  });

  it('lets the agent read its kubelet (container CPU and memory) with a projected token and nothing more', () => {
    const { objects } = rendered.get('base')!;
    const agent = find(objects, 'DaemonSet', 'otel-agent');
    const pod = agent.spec.template.spec;
    const token = pod.volumes.find((v: Loose) => v.name === 'kubelet-token');
    assert.ok(token?.projected.sources.some((s: Loose) => s.serviceAccountToken?.expirationSeconds <= 3600));
    const env = Object.fromEntries(pod.containers[0].env.map((e: Loose) => [e.name, e]));
    assert.equal(env.K8S_NODE_IP.valueFrom.fieldRef.fieldPath, 'status.hostIP');
    const role = find(objects, 'ClusterRole', 'foursignals-otel-agent-kubelet');
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] }]);
    const binding = find(objects, 'ClusterRoleBinding', 'foursignals-otel-agent-kubelet');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'otel-agent', namespace: 'observability' }]);
    const rules = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    assert.equal(rules.length, 1, 'no other RBAC');
  });

  it('runs the gateway as a Deployment with HPA, PDB, auth + TLS, memory_limiter from the pod limit, a queue volume', () => {
    const { objects } = rendered.get('base')!;
    const gw = find(objects, 'Deployment', 'otel-gateway');
    const pod = gw.spec.template.spec;
    const c = pod.containers[0];
    assert.deepEqual(c.args, [
      '--config=/etc/otelcol/config/config.yaml',
      '--config=/etc/otelcol/config/auth.yaml',
      '--config=/etc/otelcol/config/tls.yaml',
      '--config=/etc/otelcol/config/gateway.yaml',
    ]);
    assert.ok(c.resources.limits.memory && c.resources.limits.cpu);
    const env = Object.fromEntries(c.env.map((e: Loose) => [e.name, e]));
    assert.equal(env.COLLECTOR_MEMORY_LIMIT_PERCENTAGE.value, '80');
    // GOGC=400 with Go's soft limit at half the pod limit (below the memory_limiter's 60 % soft limit).
    assert.equal(env.GOGC.value, '400');
    assert.equal(env.HALF_MEMORY_LIMIT_MIB.valueFrom.resourceFieldRef.resource, 'limits.memory');
    assert.equal(env.HALF_MEMORY_LIMIT_MIB.valueFrom.resourceFieldRef.divisor, '2Mi');
    assert.equal(env.GOMEMLIMIT.value, '$(HALF_MEMORY_LIMIT_MIB)MiB');
    assert.equal(env.INFLUXDB_TOKEN.valueFrom.secretKeyRef.name, 'influxdb-auth');
    const storage = pod.volumes.find((v: Loose) => v.name === 'storage');
    assert.ok(storage.ephemeral?.volumeClaimTemplate, 'the queue lives on a PersistentVolumeClaim per pod');
    const config = readFileSync(join(REPO, 'otel-collector', 'config.yaml'), 'utf8');
    assert.match(config, /storage: spool_storage/, 'the spool in front of both backends is persisted on spool_storage');
    assert.match(config, /limit_percentage: \$\{env:COLLECTOR_MEMORY_LIMIT_PERCENTAGE/);

    const hpa = find(objects, 'HorizontalPodAutoscaler', 'otel-gateway');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'otel-gateway' });
    assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
    const pdb = find(objects, 'PodDisruptionBudget', 'otel-gateway');
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) {
      assert.equal(gw.spec.template.metadata.labels[k], v, 'the PDB selects the gateway pods');
    }
  });

  it('runs each receivers shard as exactly one replica, exporting to the gateway over TLS with the token', () => {
    const { objects } = rendered.get('base')!;
    const shards = objects.filter(
      (o) => o.kind === 'Deployment' && o.metadata.name.startsWith('foursignals-receivers-'),
    );
    assert.ok(shards.length >= 1);
    for (const d of shards) {
      assert.equal(d.spec.replicas, 1, `${d.metadata.name}: one replica per shard`);
      assert.equal(d.spec.strategy.type, 'Recreate');
      const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: Loose) => [e.name, e.value]));
      assert.match(env.FOURSIGNALS_OTLP_HTTP_URL, /^https:\/\/otel-gateway\./);
      assert.ok(env.NODE_EXTRA_CA_CERTS && env.FOURSIGNALS_OTLP_TOKEN_FILE);
    }
    for (const file of readdirSync(join(K8S, 'base', 'receivers')).filter((f) => /^shard-\d+\.yaml$/.test(f))) {
      const r = checkReceiversConfig(join(K8S, 'base', 'receivers', file), {
        PG_MONITOR_PASSWORD: 'p',
        S3_ACCESS_KEY_ID: 'a',
        S3_SECRET_ACCESS_KEY: 's',
        RABBITMQ_MONITOR_PASSWORD: 'r',
        FOURSIGNALS_OTLP_TOKEN: 't',
      });
      assert.ok(r.ok, `${file}: ${r.output}`);
    }
    const scraper = find(objects, 'Deployment', 'otel-scraper');
    assert.equal(scraper.spec.replicas, 1);
  });

  it('keeps secrets out of the manifests: no Secret object, no literal token/password/key in Loose env', () => {
    for (const [target, { objects }] of rendered) {
      assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0, `${target} contains a Secret`);
      for (const [name, pod] of podSpecs(objects)) {
        for (const c of pod.containers) {
          for (const e of c.env ?? []) {
            if (/TOKEN|PASSWORD|SECRET|_KEY$/.test(e.name) && !e.name.endsWith('_FILE')) {
              assert.equal(e.value, undefined, `${target} ${name}: ${e.name} has a literal value`);
            }
          }
        }
      }
      for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
        for (const [key, value] of Object.entries(cm.data ?? {})) {
          assert.doesNotMatch(`${key}=${value}`, /BEGIN [A-Z ]*PRIVATE KEY/, `${cm.metadata.name} holds a key`);
        }
      }
    }
  });

  it('runs every container non-root, without privilege escalation, with resource limits, images pinned', () => {
    for (const [target, { objects }] of rendered) {
      for (const [name, pod] of podSpecs(objects)) {
        assert.equal(pod.securityContext.runAsNonRoot, true, `${target} ${name}`);
        assert.equal(pod.automountServiceAccountToken, false, `${target} ${name}`);
        for (const c of pod.containers) {
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${target} ${name}`);
          assert.ok(c.resources?.limits?.memory, `${target} ${name}: memory limit`);
          assert.match(c.image, /:\d+\.\d+\.\d+$/, `${target} ${name}: ${c.image} not pinned`);
        }
      }
    }
  });

  it('switches InfluxDB v1/v2 and the remote-write backend by configuration only', () => {
    const endpoints = (t: string) =>
      rendered
        .get(t)!
        .objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('otel-collector-endpoints'))!.data!;
    assert.equal(endpoints('base').INFLUXDB_V1_COMPATIBILITY, 'false');
    assert.equal(endpoints('overlays/influxdb-v1').INFLUXDB_V1_COMPATIBILITY, 'true');
    assert.match(endpoints('overlays/mimir').PROMETHEUS_REMOTE_WRITE_URL, /mimir.*\/api\/v1\/push$/);
    const gw = find(rendered.get('overlays/mimir')!.objects, 'Deployment', 'otel-gateway');
    assert.ok(gw.spec.template.spec.containers[0].args.includes('--config=/etc/otelcol/config/mimir.yaml'));
  });
});
