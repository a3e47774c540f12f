import { join } from 'node:path';
import { CONDITIONS, type Condition } from '../crypto/condition.js';
import type { CipherKey } from '../crypto/keys.js';
import { readExportedSplit, readExportManifest, exportCommandHint } from '../inference/exported-split.js';
import { writeFileAtomic } from '../fs/atomic.js';
import {
  aggregateReports,
  analyzeImage,
  type AggregateReport,
  type SecurityReport,
} from '../security/index.js';
import type { StudyDataset } from './configurations.js';

export interface SecurityStudyOptions {
  dataset: StudyDataset;
  /** The plain export of the dataset: the study encrypts its test images under every condition itself. */
  plainExportDir: string;
  key: CipherKey;
  /** Test images analysed per condition: a fixed, evenly spaced sample of the test split. */
  sampleSize: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SecurityStudyResult {
  format: 'cipherlens-security-study';
  version: 1;
  dataset: StudyDataset;
  imageSize: number;
  keyFingerprint: string;
  sample: { split: 'test'; size: number; indices: 'evenly spaced'; first: number; step: number };
  /**
   * Key sensitivity flips bit (i mod 256) for the i-th image, so pass rates are not tied to one key bit: with a
   * dataset-wide keystream, every image flipped at the same bit shares the same pair of keystreams.
   */
  keyBits: 'index mod 256';
  conditions: { condition: Condition; aggregate: AggregateReport }[];
  /** One image in full (histograms, scatter samples) for the report's plots. */
  example: { index: number; label: string; reports: Record<Condition, SecurityReport> };
  createdAt: string;
}

export async function runSecurityStudy(options: SecurityStudyOptions): Promise<SecurityStudyResult> {
  const hint = exportCommandHint(options.dataset, 'plain');
  const manifest = await readExportManifest(options.plainExportDir, hint);
  const test = await readExportedSplit(options.plainExportDir, manifest, 'test');
  const size = manifest.imageSize;
  const pixels = size * size;
  const sampleSize = Math.min(options.sampleSize, test.count);
  const step = Math.max(1, Math.floor(test.count / sampleSize));
  const total = sampleSize * CONDITIONS.length;
  let done = 0;
  const conditions: SecurityStudyResult['conditions'] = [];
  const exampleReports = {} as Record<Condition, SecurityReport>;
  for (const condition of CONDITIONS) {
    const reports: SecurityReport[] = [];
    for (let s = 0; s < sampleSize; s++) {
      const index = s * step;
      const plain = test.images.subarray(index * pixels, (index + 1) * pixels);
      const report = analyzeImage(plain, options.key, condition, {
        keyBit: s % 256,
        seed: 1 + s,
        scatterSamples: s === 0 ? 1000 : 0,
      });
      if (s === 0) exampleReports[condition] = report;
      reports.push(report);
      done += 1;
      options.onProgress?.(done, total);
    }
    conditions.push({ condition, aggregate: aggregateReports(reports) });
  }
  return {
    format: 'cipherlens-security-study',
    version: 1,
    dataset: options.dataset,
    imageSize: size,
    keyFingerprint: options.key.fingerprint,
    sample: { split: 'test', size: sampleSize, indices: 'evenly spaced', first: 0, step },
    keyBits: 'index mod 256',
    conditions,
    example: { index: 0, label: manifest.classes[test.labels[0] ?? 0] ?? '?', reports: exampleReports },
    createdAt: new Date().toISOString(),
  };
}

export const securityResultPath = (resultsDir: string, dataset: StudyDataset): string =>
  join(resultsDir, `security-${dataset}.json`);

export async function writeSecurityStudy(resultsDir: string, result: SecurityStudyResult): Promise<string> {
  const path = securityResultPath(resultsDir, result.dataset);
  await writeFileAtomic(path, `${JSON.stringify(result)}\n`);
  return path;
}
