export { type Endpoints, readEndpoints } from './endpoints.ts';
export { installNodeVersions, nodeVersionBinary, testedNodeVersions } from './node-versions.ts';
export { cacheDir, stateDir } from './paths.ts';
export { HOST, PORTS } from './ports.ts';
export { context, down, select, status, up } from './stack.ts';
