// @foursignals/demo: the company in miniature. The services themselves are started as processes (see supervisor);
// this entry exposes what scripts and tests drive them with.

export {
  FAULT_NAMES,
  type FaultName,
  type Faults,
  noFaults,
  readFaults,
  writeFaults,
} from './common/faults.ts';
export { MES_DLQ, MES_DLX, MES_MAX_LENGTH, MES_MESSAGE_TTL_MS, MES_QUEUE } from './common/topology.ts';
export type { CountRow } from './loadgen/counter.ts';
export { type LoadOptions, type LoadResult, runLoad } from './loadgen/engine.ts';
export { BUSINESS_METRICS, type BusinessMetric } from './metrics.ts';
export { type Alert, alertConcerns, firingAlerts, rowAlerts } from './signals/alerts.ts';
export { type PageData, type PageRow, type PageServer, SignalsPage, startSignalsPage } from './signals/page.ts';
export { SEED_ROWS, SIGNALS, type SignalRow } from './signals/table.ts';
export { printSignals, readSignals, renderTable, type SignalValue, watchSignals } from './signals/view.ts';
export {
  type CompanyOptions,
  DEFAULT_NAMESPACE,
  DEFAULT_PORTS,
  demoDown,
  demoStatus,
  demoUp,
  faultsFile,
  type RunningService,
  SERVICES,
  startCompany,
  stopCompany,
  waitExit,
} from './supervisor.ts';
