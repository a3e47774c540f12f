import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { resolveDataDir } from '../../src/core/datasets/data-dir.js';
import { loadModelCard } from '../../src/core/inference/model-card.js';
import type { OperationRequest, OperationResponse } from '../../src/shared/operations.js';
import type { OperationName } from '../../src/shared/operation-names.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { base64, brightnessPng, REPO, startTestService } from './harness.js';

/**
 * The out-of-distribution flag end to end: real MNIST digits and MedNIST test images imported through the
 * Library sample import, classified by the shipped MedNIST DCNN (Arnold+XOR, demo key). Needs the real data
 * (../shared/data or $CIPHERLENS_DATA).
 */
const dataDir = resolveDataDir();
const haveData =
  existsSync(join(dataDir, 'MedNIST.tar.gz')) &&
  existsSync(join(dataDir, 'mnist', 't10k-images-idx3-ubyte.gz'));
if (!haveData) {
  console.warn(
    `\n*** SKIPPING the out-of-distribution app tests on real data: MedNIST.tar.gz or mnist/ not found in ${dataDir} (cipherlens download --dataset mnist|mednist) ***\n`,
  );
}
const MODEL = 'mednist-dcnn-arnoldplusxor';

describe.skipIf(!haveData)('out-of-distribution flag on real images (MedNIST DCNN, demo key)', () => {
  let service: AppService;
  const call = <N extends OperationName>(operation: N, payload: OperationRequest<N>) =>
    service.call(operation, payload) as Promise<OperationResponse<N>>;
  const importSample = async (dataset: 'mnist' | 'mednist', perClass: number): Promise<string[]> => {
    const { jobId } = await call('importDataset', { dataset, split: 'test', perClass, seed: 1 });
    const job = await service.context.jobs.wait(jobId);
    expect(job.status, job.error?.message).toBe('done');
    return (job.result as { imported: string[] }).imported;
  };
  let digits: string[];
  let scans: string[];

  beforeAll(async () => {
    const modelsDir = join(await temporaryFolder('cipherlens-ood-'), 'models');
    await mkdir(modelsDir);
    for (const extension of ['json', 'onnx'])
      await copyFile(
        join(REPO, 'resources', 'models', `${MODEL}.${extension}`),
        join(modelsDir, `${MODEL}.${extension}`),
      );
    service = await startTestService({ modelsDirs: [modelsDir], dataDir });
    digits = await importSample('mnist', 2);
    scans = await importSample('mednist', 5);
  }, 300_000);
  afterAll(async () => {
    await service?.close();
  });

  it('the shipped card carries a calibration from its validation split', async () => {
    const card = await loadModelCard(join(REPO, 'resources', 'models', `${MODEL}.json`));
    expect(card.ood, 'run scripts/calibrate-ood.ts').toBeDefined();
    expect(card.ood).toMatchObject({ percentile: 99, calibratedOn: { split: 'val', dataset: 'mednist' } });
  });

  it('flags an MNIST digit under the MedNIST model and not a MedNIST test image (classifyImage)', async () => {
    expect((await call('modelsList', {})).activeId).toBe(MODEL);
    const digit = await call('classifyImage', { source: { kind: 'item', id: digits[0]! } });
    expect(digit.outOfDistribution).toMatchObject({ flag: true });
    expect(digit.outOfDistribution!.score).toBeGreaterThan(digit.outOfDistribution!.threshold);
    // The size mismatch still shows in the conversion steps.
    expect(digit.conversion.join(' ')).toMatch(/28×28 resampled to 64×64/);
    const scan = await call('classifyImage', { source: { kind: 'item', id: scans[0]! } });
    expect(scan.outOfDistribution).toMatchObject({ flag: false });
    expect(scan.outOfDistribution!.score).toBeLessThanOrEqual(scan.outOfDistribution!.threshold);
    expect(scan.outOfDistribution!.method).toBe(digit.outOfDistribution!.method);
  });

  it('flags nearly every digit and almost no MedNIST image in a batch', async () => {
    const { jobId } = await call('classifyBatch', { topK: 1 });
    const job = await service.context.jobs.wait(jobId);
    expect(job.status, job.error?.message).toBe('done');
    const { results } = job.result as {
      results: { id: string; outOfDistribution: { flag: boolean } | null }[];
    };
    const rate = (ids: string[]): number =>
      results.filter((r) => ids.includes(r.id) && r.outOfDistribution?.flag).length / ids.length;
    expect(results).toHaveLength(digits.length + scans.length);
    expect(rate(digits)).toBeGreaterThanOrEqual(0.9);
    expect(rate(scans)).toBeLessThanOrEqual(1 / 30);
  });
});

describe('a model without calibration', () => {
  let service: AppService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service.close();
  });

  it('answers outOfDistribution: null', async () => {
    const result = (await service.call('classifyImage', {
      source: { kind: 'upload', name: 'dark.png', dataBase64: base64(await brightnessPng(40, 1)) },
    })) as OperationResponse<'classifyImage'>;
    expect(result.predictions.length).toBeGreaterThan(0);
    expect(result.outOfDistribution).toBeNull();
  });
});
