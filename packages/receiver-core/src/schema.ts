import type { ConfigSchema } from './contract.ts';

/**
 * A config block whose one required key is `endpoint`, a string matching `pattern` (`error` is the message when it
 * does not), next to the optional `properties`; any other key is an error. Receivers and exporters alike.
 */
export function endpointBlock(
  pattern: string,
  error: string,
  properties: Readonly<Record<string, unknown>> = {},
): ConfigSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['endpoint'],
    properties: { endpoint: { type: 'string', pattern, 'x-error': error }, ...properties },
  };
}
