import type { Observation, ScrapeContext } from '@foursignals/receiver-core';

export function context(warnings: string[] = []): ScrapeContext {
  return { signal: AbortSignal.timeout(60_000), warn: (message) => warnings.push(message) };
}

/** The value of the one observation matching `metric` and `attributes` (a subset); undefined when absent. */
export function pointValue(
  observations: Observation[],
  metric: string,
  attributes: Record<string, string> = {},
): number | undefined {
  const matches = observations.filter(
    (o) => o.metric === metric && Object.entries(attributes).every(([k, v]) => o.attributes[k] === v),
  );
  if (matches.length > 1)
    throw new Error(`${matches.length} observations match ${metric} ${JSON.stringify(attributes)}`);
  return matches[0]?.value;
}

export function series(observations: Observation[], metric: string): Observation[] {
  return observations.filter((o) => o.metric === metric);
}
