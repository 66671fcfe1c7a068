import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './paths.ts';

/** What `npm run stack -- status --json` prints and what tests read to find the running stack. */
export interface Endpoints {
  prometheus_url: string;
  alertmanager_url: string;
  influxdb_url: string;
  influxdb_database: string;
  otlp_http_url: string;
  otlp_grpc_url: string;
  /** A superuser URL, for tests and set-up. */
  postgres_url: string;
  rabbitmq_url: string;
  rabbitmq_management_url: string;
  collector_health_url: string;
  collector_metrics_url: string;
  state_dir: string;
  /** Later services add keys (s3_endpoint, ...). */
  [key: string]: string;
}

export function endpointsFile(dir = stateDir()): string {
  return join(dir, 'endpoints.json');
}

/** Endpoints of the running stack; throws a message that says how to start it. */
export function readEndpoints(dir = stateDir()): Endpoints {
  try {
    return JSON.parse(readFileSync(endpointsFile(dir), 'utf8')) as Endpoints;
  } catch {
    throw new Error(`the local stack is not up (no ${endpointsFile(dir)}): run \`npm run stack -- up\``);
  }
}
