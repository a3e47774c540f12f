import { CipherLensError } from '../errors.js';
import type { SecurityReport } from './analyze-image.js';
import { WU_ALPHAS, type WuTestResult } from './wu-test.js';

export interface Summary {
  /** Images the value was defined for (a constant image has no correlation). */
  count: number;
  mean: number;
  min: number;
  max: number;
}

/** Per-image numbers summarised over a folder, by name. */
const METRICS = {
  plainEntropy: (r) => r.plain.entropy,
  cipherEntropy: (r) => r.cipher.entropy,
  uniformEntropy: (r) => r.reference.uniformEntropy,
  cipherBlockEntropy: (r) => r.cipher.blockEntropy.mean,
  cipherFlatnessPValue: (r) => r.cipher.flatness.pValue,
  plainCorrelationHorizontal: (r) => r.plain.correlation.horizontal,
  plainCorrelationVertical: (r) => r.plain.correlation.vertical,
  plainCorrelationDiagonal: (r) => r.plain.correlation.diagonal,
  cipherCorrelationHorizontal: (r) => r.cipher.correlation.horizontal,
  cipherCorrelationVertical: (r) => r.cipher.correlation.vertical,
  cipherCorrelationDiagonal: (r) => r.cipher.correlation.diagonal,
  cipherSampledCorrelationHorizontal: (r) => r.cipher.sampledCorrelation.horizontal.coefficient,
  cipherSampledCorrelationVertical: (r) => r.cipher.sampledCorrelation.vertical.coefficient,
  cipherSampledCorrelationDiagonal: (r) => r.cipher.sampledCorrelation.diagonal.coefficient,
  plaintextNpcrPercent: (r) => r.plaintextSensitivity.npcrPercent,
  plaintextUaciPercent: (r) => r.plaintextSensitivity.uaciPercent,
  keyNpcrPercent: (r) => r.keySensitivity.npcrPercent,
  keyUaciPercent: (r) => r.keySensitivity.uaciPercent,
} satisfies Record<string, (report: SecurityReport) => number | null>;

export type AggregateMetric = keyof typeof METRICS;

/** Share of images (0…1) passing a test. */
export interface PassRates {
  alpha: number;
  npcr: number;
  uaci: number;
  both: number;
}

export interface AggregateReport {
  images: number;
  sizes: number[];
  conditions: string[];
  metrics: Record<AggregateMetric, Summary | null>;
  keySensitivityPassRates: PassRates[];
  plaintextSensitivityPassRates: PassRates[];
  /** Share of cipher histograms consistent with flat at α = 0.05. */
  cipherFlatRate: number;
}

interface Accumulator {
  count: number;
  sum: number;
  min: number;
  max: number;
}

interface PassCounts {
  npcr: number;
  uaci: number;
  both: number;
}

/** Folds reports one at a time, so a folder of any size is summarised in constant memory. */
export interface ReportAggregator {
  add(report: SecurityReport): void;
  /** Summary of everything added so far; throws when nothing was added. */
  result(): AggregateReport;
}

export function createReportAggregator(): ReportAggregator {
  const names = Object.keys(METRICS) as AggregateMetric[];
  const accumulators = new Map<AggregateMetric, Accumulator>(
    names.map((name) => [name, { count: 0, sum: 0, min: Infinity, max: -Infinity }]),
  );
  const keyPasses = WU_ALPHAS.map((): PassCounts => ({ npcr: 0, uaci: 0, both: 0 }));
  const plaintextPasses = WU_ALPHAS.map((): PassCounts => ({ npcr: 0, uaci: 0, both: 0 }));
  const sizes = new Set<number>();
  const conditions = new Set<string>();
  let images = 0;
  let flat = 0;

  const countPasses = (counts: PassCounts[], wu: WuTestResult): void => {
    WU_ALPHAS.forEach((alpha, i) => {
      const verdict = wu.verdicts.find((v) => v.alpha === alpha);
      const tally = counts[i]!;
      if (verdict?.npcrPass) tally.npcr++;
      if (verdict?.uaciPass) tally.uaci++;
      if (verdict?.pass) tally.both++;
    });
  };
  const rates = (counts: PassCounts[]): PassRates[] =>
    WU_ALPHAS.map((alpha, i) => ({
      alpha,
      npcr: counts[i]!.npcr / images,
      uaci: counts[i]!.uaci / images,
      both: counts[i]!.both / images,
    }));

  return {
    add(report) {
      images++;
      sizes.add(report.size);
      conditions.add(report.condition);
      if (report.cipher.flatness.flat) flat++;
      for (const name of names) {
        const value = METRICS[name](report);
        if (value === null) continue;
        const accumulator = accumulators.get(name)!;
        accumulator.count++;
        accumulator.sum += value;
        if (value < accumulator.min) accumulator.min = value;
        if (value > accumulator.max) accumulator.max = value;
      }
      countPasses(keyPasses, report.keySensitivity.wu);
      countPasses(plaintextPasses, report.plaintextSensitivity.wu);
    },
    result() {
      if (images === 0) throw new CipherLensError('BAD_INPUT', 'no reports to aggregate');
      const metrics = {} as Record<AggregateMetric, Summary | null>;
      for (const [name, { count, sum, min, max }] of accumulators) {
        metrics[name] = count === 0 ? null : { count, mean: sum / count, min, max };
      }
      return {
        images,
        sizes: [...sizes].sort((a, b) => a - b),
        conditions: [...conditions],
        metrics,
        keySensitivityPassRates: rates(keyPasses),
        plaintextSensitivityPassRates: rates(plaintextPasses),
        cipherFlatRate: flat / images,
      };
    },
  };
}

export function aggregateReports(reports: readonly SecurityReport[]): AggregateReport {
  const aggregator = createReportAggregator();
  for (const report of reports) aggregator.add(report);
  return aggregator.result();
}
