// The resource of every export, built once when the export path starts (never on the start-up path). Which
// detectors run is OTEL_NODE_RESOURCE_DETECTORS, with OpenTelemetry JS's names: env (OTEL_RESOURCE_ATTRIBUTES),
// host, os, process, container, serviceinstance; `all` (the default) or `none`. Written here rather than taken from
// @opentelemetry/resources because the default export path does not load the SDK (see README, "How it stays cheap");
// each detector is a few synchronous reads of what Node or /proc already knows.
import type { Attrs } from '../aggregation/collect.ts';
import { SCOPE_NAME } from '../metrics.ts';
import type { State } from '../state.ts';
import { VERSION } from '../version.ts';

export const RESOURCE_DETECTORS = ['env', 'host', 'os', 'process', 'container', 'serviceinstance'] as const;
export type ResourceDetector = (typeof RESOURCE_DETECTORS)[number];

const os = process.getBuiltinModule('node:os');
const { readFileSync } = process.getBuiltinModule('node:fs');

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The container id from the cgroup (v1) or mount (v2) tables, as the OpenTelemetry container detector finds it. */
export function containerId(cgroup = readText('/proc/self/cgroup'), mounts = readText('/proc/self/mountinfo')) {
  for (const line of cgroup?.split('\n') ?? []) {
    const m = /([0-9a-f]{64})(?:\.scope)?$/.exec(line.trim());
    if (m) return m[1];
  }
  for (const line of mounts?.split('\n') ?? []) {
    if (!line.includes('/hostname') && !line.includes('/resolv.conf')) continue;
    const m = /\/(?:containers|sandboxes)\/([0-9a-f]{64})\//.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  ia32: 'x86',
  arm: 'arm32',
  ppc64: 'ppc64',
  s390x: 's390x',
};

function detect(d: ResourceDetector, state: State): Attrs {
  switch (d) {
    case 'env':
      return state.config.resourceAttributes;
    case 'host': {
      const a: Attrs = { 'host.name': os.hostname(), 'host.arch': ARCH[process.arch] ?? process.arch };
      const id = (readText('/etc/machine-id') ?? readText('/var/lib/dbus/machine-id'))?.trim();
      if (id) a['host.id'] = id;
      return a;
    }
    case 'os':
      return { 'os.type': process.platform === 'win32' ? 'windows' : process.platform, 'os.version': os.release() };
    case 'process':
      return {
        'process.pid': process.pid,
        'process.executable.name': process.title,
        'process.executable.path': process.execPath,
        'process.runtime.name': 'nodejs',
        'process.runtime.version': process.versions.node,
        'process.runtime.description': 'Node.js',
      };
    case 'container': {
      const id = containerId();
      return id ? { 'container.id': id } : {};
    }
    case 'serviceinstance':
      return { 'service.instance.id': state.instanceId };
  }
}

/**
 * Detected attributes in the order the detectors are listed (a later one wins), then the service name, then
 * `telemetry.sdk.*`: this package is the SDK that produces the data on the default path.
 */
export function resourceAttributes(state: State): Attrs {
  const out: Attrs = {};
  for (const d of state.config.resourceDetectors) Object.assign(out, detect(d, state));
  // Every series needs a per-process identity (two replicas of one service must not overwrite each other).
  out['service.instance.id'] ??= state.instanceId;
  out['service.name'] = state.config.serviceName;
  out['telemetry.sdk.name'] = SCOPE_NAME;
  out['telemetry.sdk.language'] = 'nodejs';
  out['telemetry.sdk.version'] = VERSION;
  return out;
}
