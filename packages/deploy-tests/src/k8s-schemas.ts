// Converts the Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json of a Kubernetes release) into the
// schema layout kubeconform reads from a local directory: `<kind>-<group>-<version>.json` per kind (group = first
// label of the API group; none for the core group), each a $ref into one shared `_definitions.json`. Strict like
// kubeconform's `-strict` schemas: an object with declared properties rejects unknown ones (a misspelt field is an
// error, not silently dropped by the API server). The two string-or-number types get their real JSON types.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = { [key: string]: unknown };

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Makes every object schema with declared properties closed, recursively. */
function strict(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && isSchema(value)) {
      const props: Schema = {};
      for (const [name, prop] of Object.entries(value)) props[name] = isSchema(prop) ? strict(prop) : prop;
      out[key] = props;
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = strict(value);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((v) => (isSchema(v) ? strict(v) : v));
    } else {
      out[key] = value;
    }
  }
  if (isSchema(out.properties) && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** kubeconform's file name for a kind: `deployment-apps-v1.json`, `service-v1.json`. */
export function schemaFileName(gvk: GroupVersionKind): string {
  const group = gvk.group ? `-${gvk.group.split('.')[0]!.toLowerCase()}` : '';
  return `${gvk.kind.toLowerCase()}${group}-${gvk.version.toLowerCase()}.json`;
}

/** Writes the schema directory; returns the number of kind files. */
export function writeKubeconformSchemas(swaggerFile: string, outDir: string): number {
  const swagger = JSON.parse(readFileSync(swaggerFile, 'utf8')) as { definitions: Record<string, Schema> };
  const definitions: Record<string, Schema> = {};
  for (const [name, def] of Object.entries(swagger.definitions)) {
    if (name === INT_OR_STRING) {
      definitions[name] = { description: def.description, oneOf: [{ type: 'string' }, { type: 'integer' }] };
    } else if (name === QUANTITY) {
      definitions[name] = { description: def.description, oneOf: [{ type: 'string' }, { type: 'number' }] };
    } else {
      definitions[name] = strict(def);
    }
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, '_definitions.json'), JSON.stringify({ definitions }));
  const written = new Set<string>();
  for (const [name, def] of Object.entries(swagger.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined;
    if (!gvks) continue;
    for (const gvk of gvks) {
      const file = schemaFileName(gvk);
      if (written.has(file)) continue;
      written.add(file);
      writeFileSync(join(outDir, file), JSON.stringify({ $ref: `_definitions.json#/definitions/${name}` }));
    }
  }
  return written.size;
}
