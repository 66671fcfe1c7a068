export { schemaFileName, writeKubeconformSchemas } from './k8s-schemas.ts';
export { type GeneratedCerts, generateCerts } from './net.ts';
export {
  cacheRoot,
  checkReceiversConfig,
  collectorBinary,
  dockerCompose,
  kubeconform,
  kubernetesSchemas,
  kustomize,
  REPO,
  VERSIONS,
} from './tools.ts';
