export { promLabel, promName } from '@foursignals/metric-spec';
export { type AlertConfig, loadConfig, parseConfig, type SloService } from './config.ts';
export { dashboards } from './dashboards/index.ts';
export {
  type BacktestOptions,
  type BacktestResult,
  backtest,
  FORECAST_MEASUREMENT,
  FORECASTS,
  writeBacktest,
} from './forecast.ts';
export {
  CONFIG_FILE,
  DASHBOARDS_DIR,
  PROMETHEUS_TESTS_DIR,
  REPO_ROOT,
  RULES_DIR,
  renderAll,
  writeAll,
} from './generate.ts';
export { expandInfluxQL } from './influxql.ts';
export { L, M, OTELCOL, S3_CALLS, SOURCES } from './metrics.ts';
export { type ExpandOptions, expandPromQL, type PanelQuery, panelQueries } from './queries.ts';
export { ruleFiles } from './rules/index.ts';
