import { readFileSync } from 'node:fs';
import type { AnyReceiverFactory } from '@foursignals/receiver-core';
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { ConfigError, parseConfig, type RuntimeConfig } from './config/config.ts';
import { startTelemetry, type Telemetry } from './export/telemetry.ts';
import { RECEIVER_FACTORIES } from './registry.ts';
import { type Logger, ReceiversRuntime, stderrLogger } from './runtime/runtime.ts';
import { VERSION } from './version.ts';

/** Exit codes of `otel-receivers`. */
export const EXIT_CONFIG = 2;

const USAGE = `usage: otel-receivers --config receivers.yaml [--check]
  --config FILE   collector-style YAML: receivers (type/name -> config), exporters (otlphttp, prometheus), resource
  --check         validate the config, print every problem and exit (0 valid, 2 invalid)`;

/** Reads and validates a config file; throws ConfigError with every problem. */
export function loadConfig(file: string, factories: readonly AnyReceiverFactory[] = RECEIVER_FACTORIES): RuntimeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`${file}: cannot read: ${(error as Error).message}`]);
  }
  return parseConfig(text, factories);
}

export interface Running {
  runtime: ReceiversRuntime;
  telemetry: Telemetry;
  stop(): Promise<void>;
}

/** Starts the receivers of a validated config and their export. */
export function run(config: RuntimeConfig, logger: Logger = stderrLogger, onFatal?: (error: Error) => void): Running {
  const telemetry = startTelemetry(config.export, VERSION, onFatal);
  const runtime = new ReceiversRuntime(telemetry.meter, config.instances, logger);
  runtime.start();
  return {
    runtime,
    telemetry,
    async stop() {
      await runtime.stop();
      await telemetry.flush().catch(() => {});
      await telemetry.shutdown().catch(() => {});
    },
  };
}

/** The `otel-receivers` command; returns the exit code (or never, while running). */
export async function main(argv: readonly string[]): Promise<number> {
  let file: string | undefined;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config') file = argv[++i];
    else if (arg.startsWith('--config=')) file = arg.slice('--config='.length);
    else if (arg === '--check') check = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else {
      process.stderr.write(`otel-receivers: unknown argument ${arg}\n${USAGE}\n`);
      return EXIT_CONFIG;
    }
  }
  if (!file) {
    process.stderr.write(`otel-receivers: --config is required\n${USAGE}\n`);
    return EXIT_CONFIG;
  }
  let config: RuntimeConfig;
  try {
    config = loadConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`otel-receivers: ${file}: ${error.message}\n`);
    return EXIT_CONFIG;
  }
  if (check) {
    process.stdout.write(`${file}: valid (${config.instances.map((i) => i.name).join(', ')})\n`);
    return 0;
  }
  // Export failures (collector down, refused) are reported by the SDK through diag: show warnings and errors.
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  let fatal: ((error: Error) => void) | undefined;
  const running = run(config, stderrLogger, (error) => fatal?.(error));
  const where = [
    config.export.otlp && `OTLP ${config.export.otlp.url}`,
    config.export.prometheus &&
      `Prometheus http://${config.export.prometheus.host}:${config.export.prometheus.port}/metrics`,
  ].filter(Boolean);
  stderrLogger.info(`otel-receivers ${VERSION}: ${running.runtime.names.join(', ')} -> ${where.join(', ')}`);
  return await new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      stderrLogger.info(`${signal}: stopping`);
      void running.stop().then(() => resolve(0));
    };
    fatal = (error) => {
      stderrLogger.warn(error.message);
      void running.stop().then(() => resolve(1));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
