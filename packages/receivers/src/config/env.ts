/** Where a `${env:VAR}` could not be expanded. */
export interface ExpansionProblem {
  path: string[];
  message: string;
}

const REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands `${env:VAR}` and `${env:VAR:-default}` in every string value of a parsed YAML document (keys are left
 * alone), as the OpenTelemetry Collector does; `$$` is a literal `$`. An unset variable without a default is a
 * problem at its path, reported with the other config problems.
 */
export function expandEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: ExpansionProblem[],
  path: string[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const found = env[name!];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => expandEnv(item, env, problems, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandEnv(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}
