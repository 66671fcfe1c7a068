export {
  ConfigError,
  type ExportConfig,
  type InstanceConfig,
  type InstanceSettings,
  parseConfig,
  type RuntimeConfig,
} from './config/config.ts';
export { metricReference } from './docs.ts';
export { EXIT_CONFIG, loadConfig, main, type Running, run } from './main.ts';
export { RECEIVER_FACTORIES } from './registry.ts';
export { type Logger, ReceiversRuntime } from './runtime/runtime.ts';
export { VERSION } from './version.ts';
