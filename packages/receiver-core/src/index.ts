export type {
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
