import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStudyConfig, readStudyTable } from '../../src/backend/study-results.js';
import { temporaryFolder } from '../core/workspace/helpers.js';

const retrieval = (mAP: number) => ({
  mAP,
  mAPAt10: mAP,
  precisionAt10: mAP - 0.01,
  queries: 10,
  databaseSize: 100,
});

function result(hash: string, condition: string, weightedF1: number) {
  return {
    format: 'cipherlens-study-result',
    version: 1,
    hash,
    configuration: {
      dataset: 'mednist',
      condition,
      architecture: 'dcnn',
      budget: { epochs: 3, patience: 2, maxTrain: 1000, batchSize: 64, learningRate: 0.001, seed: 1 },
      keyFingerprint: 'b574d9e46e54e965',
      encryptionSpecVersion: 1,
      splitSeed: 42,
    },
    classification: {
      classes: ['a', 'b'],
      accuracy: 0.9,
      macroF1: 0.89,
      weightedF1,
      confusionMatrix: [
        [9, 1],
        [1, 9],
      ],
      perClass: [
        { label: 'a', precision: 0.9, recall: 0.9, f1: 0.9, support: 10 },
        { label: 'b', precision: 0.9, recall: 0.9, f1: 0.9, support: 10 },
      ],
    },
    retrieval: { testToTrain: retrieval(0.8), testToTest: retrieval(0.7) },
    training: { durationSeconds: 12, epochsRun: 3, device: 'cpu', torchVersion: null, validation: null },
    evaluationSeconds: 1,
    hardware: { cpu: 'test', cores: 2, platform: 'linux' },
    modelBytes: 1000,
    createdAt: '2025-01-01T00:00:00Z',
  };
}

describe('study results for the Evaluate view', () => {
  it('turns each result file into a row and serves its confusion matrix; damaged files are reported', async () => {
    const dir = await temporaryFolder('cipherlens-study-');
    await writeFile(join(dir, 'one.json'), JSON.stringify(result('h1', 'arnold+xor', 0.99)));
    await writeFile(join(dir, 'two.json'), JSON.stringify(result('h2', 'plain', 0.97)));
    await writeFile(join(dir, 'broken.json'), '{"format":');
    const table = await readStudyTable(dir);
    expect(table.available).toBe(true);
    // The two files use a budget that is not a named one: listed under "other", after each named budget's grid.
    const other = table.rows.filter((r) => r.budget === 'other');
    expect(other.map((r) => [r.id, r.condition, r.weightedF1, r.mAP, r.mAPTestToTest])).toEqual([
      ['h1', 'arnold+xor', 0.99, 0.8, 0.7],
      ['h2', 'plain', 0.97, 0.8, 0.7],
    ]);
    expect(other[0]).toMatchObject({
      model: 'trained',
      epochsRun: 3,
      trainingSeconds: 12,
      hardware: 'test × 2',
      // 18 of the 20 test images of the confusion matrix right: the Wilson 95 % interval of 0.9.
      testImages: 20,
    });
    expect(other[0]!.accuracyInterval!.low).toBeCloseTo(0.699, 3);
    expect(other[0]!.accuracyInterval!.high).toBeCloseTo(0.9721, 3);
    expect(table.budgets.map((b) => [b.name, b.finished, b.expected])).toEqual([
      ['quick', 0, 34],
      ['full', 0, 42],
      ['other', 2, 2],
    ]);
    const fullGrid = table.rows.filter((r) => r.budget === 'full');
    expect(fullGrid).toHaveLength(42);
    expect(
      fullGrid.every(
        (r) =>
          r.weightedF1 === null &&
          !r.hasConfusionMatrix &&
          r.testImages === null &&
          r.accuracyInterval === null,
      ),
    ).toBe(true);
    expect(fullGrid.filter((r) => r.model === 'key-transformed')).toHaveLength(2);
    expect(table.problems).toHaveLength(1);
    expect(table.problems[0]).toMatch(/^broken.json/);
    const config = await readStudyConfig(dir, 'h1');
    expect(config.matrix).toEqual([
      [9, 1],
      [1, 9],
    ]);
    await expect(readStudyConfig(dir, 'missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('says "not available" when there are no results', async () => {
    expect(await readStudyTable(null)).toEqual({ available: false, rows: [], budgets: [], problems: [] });
    expect((await readStudyTable(await temporaryFolder())).available).toBe(false);
  });

  const resultsDir = join(import.meta.dirname, '..', '..', 'study', 'results');

  it("fills a named budget's grid from the stored files and reads the repository's study results", async () => {
    const table = await readStudyTable(resultsDir);
    expect(table.problems).toEqual([]);
    const quick = table.budgets.find((b) => b.name === 'quick')!;
    expect(quick.expected).toBe(34);
    expect(quick.finished).toBeGreaterThanOrEqual(32);
    expect(quick.description).toContain('10,000-image');
    const mnistDcnnPlain = table.rows.find(
      (r) =>
        r.budget === 'quick' && r.dataset === 'mnist' && r.architecture === 'dcnn' && r.condition === 'plain',
    )!;
    expect(mnistDcnnPlain.id).toBe('95ee5724d8e660d6');
    expect(mnistDcnnPlain.weightedF1).toBeGreaterThan(0.9);
    // Quick-budget results predate per-image outcomes: no paired tests, never invented.
    expect((await readStudyConfig(resultsDir, mnistDcnnPlain.id)).pairedTests).toEqual([]);
  });

  it("gives a configuration's paired tests against the others of its table from the stored per-image outcomes", async () => {
    const { rows } = await readStudyTable(resultsDir);
    const row = rows.find(
      (r) =>
        r.budget === 'full' &&
        r.dataset === 'mnist' &&
        r.architecture === 'dcnn' &&
        r.condition === 'uniform+xor',
    )!;
    const { pairedTests } = await readStudyConfig(resultsDir, row.id);
    // Against plain and against arnold+xor (the same XOR, Arnold's permutation): the MNIST full grid is complete,
    // so Holm's correction runs over all 22 comparisons of its table.
    expect(pairedTests.map((t) => [t.a, t.b])).toEqual([
      ['plain', 'uniform+xor'],
      ['arnold+xor', 'uniform+xor'],
    ]);
    const [againstPlain, againstArnold] = pairedTests;
    expect(againstPlain).toMatchObject({ onlyA: 359, onlyB: 28, verdict: 'significant', comparisons: 22 });
    expect(againstPlain!.accuracyB).toBe(row.accuracy);
    expect(againstArnold).toMatchObject({ onlyA: 241, onlyB: 170, verdict: 'significant' });
    expect(againstArnold!.p).toBeGreaterThan(1e-4);
    expect(againstArnold!.p).toBeLessThan(1e-3);
  });
});
