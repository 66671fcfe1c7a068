export { attributeList, cell, mappingTable, markdownTable } from './markdown.ts';
export { label, matcher, promLabel, promName, promNames } from './prometheus.ts';
export type {
  AttributeOf,
  AttributeSpec,
  AttributesOf,
  Instrument,
  MetricSpec,
  MetricTable,
  Upstream,
  ValueOf,
} from './spec.ts';
