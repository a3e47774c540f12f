// The security-metrics API used by the CLI, the app's Security view and the study.
export { analyzeImage, SECURITY_REPORT_FORMAT, SECURITY_REPORT_VERSION } from './analyze-image.js';
export type { AnalyzeOptions, SecurityReport } from './analyze-image.js';
export { aggregateReports, createReportAggregator } from './aggregate.js';
export type { AggregateMetric, AggregateReport, PassRates, ReportAggregator, Summary } from './aggregate.js';
export { histogramFlatnessTest } from './chi-square.js';
export type { FlatnessTest } from './chi-square.js';
export {
  adjacentCorrelation,
  adjacentCorrelations,
  DIRECTIONS,
  sampledAdjacentCorrelations,
} from './correlation.js';
export type {
  Direction,
  DirectionalCorrelations,
  SampledCorrelation,
  SampledCorrelations,
  SamplingOptions,
} from './correlation.js';
export { npcrUaci } from './differential.js';
export type { DifferentialMeasure } from './differential.js';
export { blockEntropy, DEFAULT_BLOCK_SIZE, entropyOfHistogram, shannonEntropy } from './entropy.js';
export type { BlockEntropy } from './entropy.js';
export { GREY_LEVELS, histogram256 } from './histogram.js';
export { imageStatistics } from './image-statistics.js';
export type { ImageStatistics } from './image-statistics.js';
export { inverseNormalCdf, normalCdf } from './normal.js';
export { keySensitivity, plaintextSensitivity } from './sensitivity.js';
export type { KeySensitivity, PlaintextSensitivity } from './sensitivity.js';
export { expectedUniformEntropy } from './uniform-entropy.js';
export { IDEAL_NPCR_PERCENT, IDEAL_UACI_PERCENT, WU_ALPHAS, wuCriticalValues, wuTest } from './wu-test.js';
export type { WuCriticalValues, WuTestResult, WuVerdict } from './wu-test.js';
