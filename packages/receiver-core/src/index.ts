export type {
  AnyReceiverFactory,
  AttributeSpec,
  AttributeValue,
  ConfigSchema,
  InstrumentKind,
  MetricSpec,
  MetricTable,
  Observation,
  Receiver,
  ReceiverFactory,
  ScrapeContext,
} from './contract.ts';
export { ClampedCounters, CounterDeltas, CumulativeCounters } from './cumulative.ts';
export { DURATION_PATTERN, parseDuration } from './duration.ts';
export { ATTR_RECEIVER_NAME, ATTR_RECEIVER_TARGET, HEALTH_METRICS } from './health.ts';
export { metricReferenceCli, readmeWithMetricReference, renderMetricReference } from './metric-doc.ts';
export {
  type PrometheusSample,
  PrometheusTextScanner,
  parsePrometheusText,
  type SampleCallback,
  type SampleFilter,
  scanPrometheusText,
} from './prometheus-text.ts';
export { endpointBlock } from './schema.ts';
export { targetOf } from './target.ts';
