// Shared by every test and benchmark in the repo (one copy instead of one per test file).
export {
  assertGolden,
  type GoldenScraper,
  type RecordedCall,
  type RecordedError,
  readJson,
  recording,
  replaying,
  scrapeRecorded,
  updatingGoldens,
  writeJson,
} from './fixtures.ts';
export { type InfluxSeries, influxQuery } from './influxdb.ts';
export { freePort } from './net.ts';
export { type PromSample, type PromSeries, promQuery, promRange, promValue, waitForQuery } from './prometheus.ts';
export { stackEndpoints } from './stack.ts';
export { waitFor } from './wait.ts';
