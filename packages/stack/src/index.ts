export { type Endpoints, readEndpoints } from './endpoints.ts';
export { cacheDir, stateDir } from './paths.ts';
export { HOST, PORTS } from './ports.ts';
export { context, down, select, status, up } from './stack.ts';
