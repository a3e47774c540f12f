import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyFile } from '../../../src/core/crypto/keys.js';
import {
  STUDY_BUDGETS,
  budgetName,
  configurationHash,
  configurationLabel,
  plainSourceOf,
  studyConfigurations,
  type StudyConfiguration,
} from '../../../src/core/study/configurations.js';
import { writeStudyReport } from '../../../src/core/study/report.js';
import { addTestOutcomes, type OutcomesEvent } from '../../../src/core/study/outcomes-backfill.js';
import { correctCount, encodeTestOutcomes } from '../../../src/core/study/outcomes.js';
import { readStudyResults, resultFileName, type StudyResult } from '../../../src/core/study/results.js';
import { runStudy, type StudyEvent, type StudyTrainer } from '../../../src/core/study/runner.js';
import { writeTinyExport } from '../training/tiny-export.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
const demoKeyPath = join(import.meta.dirname, '..', '..', '..', 'resources', 'keys', 'demo.key');

describe('study configurations', () => {
  it('enumerates 2 datasets × 4 conditions × 4 architectures plus one key-transformed row per dataset, with distinct, stable hashes', () => {
    const configurations = studyConfigurations('b574d9e46e54e965', STUDY_BUDGETS.quick);
    expect(configurations).toHaveLength(34);
    const transformed = configurations.filter((c) => c.derivation === 'key-transform');
    expect(transformed.map(configurationLabel)).toEqual([
      'mnist-bitplane-mlp-arnoldplusxor-transformed',
      'mednist-bitplane-mlp-arnoldplusxor-transformed',
    ]);
    expect(configurations).toContainEqual(plainSourceOf(transformed[0]!));
    const hashes = new Set(configurations.map(configurationHash));
    expect(hashes.size).toBe(34);
    // The full study adds the keyed uniform permutation + XOR for every architecture: 2 × 4 more.
    const full = studyConfigurations('b574d9e46e54e965', STUDY_BUDGETS.full);
    expect(full).toHaveLength(42);
    expect(full.filter((c) => c.condition === 'uniform+xor').map(configurationLabel)).toContain(
      'mednist-dcnn-uniformplusxor',
    );
    expect(new Set(full.map(configurationHash)).size).toBe(42);
    expect(configurationHash(configurations[0]!)).toBe(
      configurationHash(studyConfigurations('b574d9e46e54e965', STUDY_BUDGETS.quick)[0]!),
    );
  });

  it('changes the hash when any part of the configuration changes, whatever the key order', () => {
    const base = studyConfigurations('b574d9e46e54e965')[0]!;
    const { budget, ...rest } = base;
    const reordered = JSON.parse(JSON.stringify({ budget, ...rest })) as StudyConfiguration;
    expect(configurationHash(reordered)).toBe(configurationHash(base));
    expect(
      configurationHash({ ...base, budget: { ...base.budget, epochs: base.budget.epochs + 1 } }),
    ).not.toBe(configurationHash(base));
    expect(configurationHash({ ...base, keyFingerprint: '0000000000000000' })).not.toBe(
      configurationHash(base),
    );
  });

  it('keeps the quick budget under the hashes the first study stored its results with, and names both budgets', () => {
    // study/results/mnist-dcnn-plain-95ee5724d8e660d6.json was written before budgets had names.
    const quick = studyConfigurations('b574d9e46e54e965', STUDY_BUDGETS.quick);
    const dcnnPlain = quick.find(
      (c) => c.dataset === 'mnist' && c.architecture === 'dcnn' && c.condition === 'plain',
    )!;
    expect(configurationHash(dcnnPlain)).toBe('95ee5724d8e660d6');
    expect(budgetName(STUDY_BUDGETS.quick)).toBe('quick');
    expect(budgetName(STUDY_BUDGETS.full)).toBe('full');
    expect(budgetName({ ...STUDY_BUDGETS.full, epochs: 3 })).toBeNull();
    const full = studyConfigurations('b574d9e46e54e965', STUDY_BUDGETS.full);
    expect(configurationHash(full[0]!)).not.toBe(configurationHash(quick[0]!));
  });
});

/**
 * The runner end to end on a real (tiny, really trained) model and a real encrypted export. The trainer hands back
 * the committed tiny-model fixture instead of training for minutes; everything after it — ONNX inference,
 * classification and retrieval metrics, storage, resume, report — is the production path.
 */
describe('study runner', () => {
  let work: string;
  let exportsDir: string;
  let configuration: StudyConfiguration;
  const fixtureTrainer = (calls: string[]): StudyTrainer => ({
    async train({ outDir, modelId }) {
      calls.push(modelId);
      const { mkdir } = await import('node:fs/promises');
      await mkdir(outDir, { recursive: true });
      await copyFile(join(fixtures, 'tiny-model.onnx'), join(outDir, 'tiny-model.onnx'));
      // The card under the model id, as the real trainer names it; it points at tiny-model.onnx.
      await copyFile(join(fixtures, 'tiny-model.json'), join(outDir, `${modelId}.json`));
      return { cardPath: join(outDir, `${modelId}.json`), durationSeconds: 0.5, epochsRun: 1, device: 'cpu' };
    },
  });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cipherlens-study-'));
    exportsDir = join(work, 'exports');
    const key = await loadKeyFile(demoKeyPath);
    // The fixture model was trained on 8×8 "tiny-bars" under arnold+xor with the demo key; the runner finds an
    // export by <dataset>-<condition>, so the tiny export stands in for that slot.
    await writeTinyExport({
      outDir: join(exportsDir, 'mnist-arnold+xor'),
      size: 8,
      classes: 3,
      count: 300,
      condition: 'arnold+xor',
      key,
    });
    configuration = studyConfigurations(key.fingerprint, STUDY_BUDGETS.quick).find(
      (c) =>
        c.dataset === 'mnist' &&
        c.architecture === 'bitplane-mlp' &&
        c.condition === 'arnold+xor' &&
        c.derivation === undefined,
    )!;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('stores a real evaluation per configuration, resumes without redoing it, and leaves failures missing', async () => {
    const resultsDir = join(work, 'results');
    const failing = { ...configuration, condition: 'xor' as const };
    const calls: string[] = [];
    const events: StudyEvent[] = [];
    const first = await runStudy({
      configurations: [configuration, failing],
      resultsDir,
      workDir: join(work, 'models'),
      exportsDir,
      trainer: fixtureTrainer(calls),
      threads: 1,
      onEvent: (e) => events.push(e),
    });
    // The xor export does not exist, so evaluating that configuration fails and nothing is stored for it.
    expect(first).toEqual({ completed: 1, skipped: 0, failed: ['mnist-bitplane-mlp-xor'] });
    const { results, problems } = await readStudyResults(resultsDir);
    expect(problems).toEqual([]);
    expect(results).toHaveLength(1);
    const result = results[0]!;
    expect(result.hash).toBe(configurationHash(configuration));
    expect(result.classification.classes).toEqual(['bar0', 'bar1', 'bar2']);
    expect(result.classification.accuracy).toBeGreaterThan(0.9);
    const matrixTotal = result.classification.confusionMatrix.flat().reduce((a, b) => a + b, 0);
    expect(matrixTotal).toBe(result.retrieval.testToTest.queries);
    // Per-image outcomes for paired tests: one per test image, as many right as the accuracy says.
    expect(result.testOutcomes!.count).toBe(matrixTotal);
    expect(correctCount(result.testOutcomes!)).toBe(Math.round(result.classification.accuracy * matrixTotal));
    expect(result.retrieval.testToTrain.mAP).toBeGreaterThan(0.5);
    expect(result.retrieval.testToTrain.mAP).toBeLessThanOrEqual(1);
    expect(events.some((e) => e.type === 'failed' && e.label === 'mnist-bitplane-mlp-xor')).toBe(true);

    const again = await runStudy({
      configurations: [configuration],
      resultsDir,
      workDir: join(work, 'models'),
      exportsDir,
      trainer: fixtureTrainer(calls),
    });
    expect(again).toEqual({ completed: 0, skipped: 1, failed: [] });
    expect(calls).toEqual(['mnist-bitplane-mlp-arnoldplusxor', 'mnist-bitplane-mlp-xor']);
  });

  it('adds per-image outcomes to a result stored without them, only when its model reproduces the stored numbers', async () => {
    const resultsDir = join(work, 'results');
    const path = join(resultsDir, resultFileName(configuration));
    const stored = JSON.parse(await readFile(path, 'utf8')) as StudyResult;
    const outcomes = stored.testOutcomes!;
    const options = {
      configurations: [configuration],
      resultsDir,
      workDir: join(work, 'models'),
      exportsDir,
      threads: 1,
    };
    expect(await addTestOutcomes(options)).toEqual({ added: 0, skipped: 1, failed: 0 });

    // A result written before outcomes were kept: the model still in the work folder gives them back, bit for bit.
    const { testOutcomes: _dropped, ...older } = stored;
    await writeFile(path, JSON.stringify(older));
    expect(await addTestOutcomes(options)).toEqual({ added: 1, skipped: 0, failed: 0 });
    expect((JSON.parse(await readFile(path, 'utf8')) as StudyResult).testOutcomes).toEqual(outcomes);

    // A stored matrix the model does not reproduce (model or export changed): refused, the file left as it was.
    const matrix = stored.classification.confusionMatrix.map((row) => [...row]);
    // (one hit moved from class 0 to class 1: the accuracy is unchanged, the matrix is not)
    matrix[0]![0]! -= 1;
    matrix[1]![1]! += 1;
    const tampered = JSON.stringify({
      ...older,
      classification: { ...older.classification, confusionMatrix: matrix },
    });
    await writeFile(path, tampered);
    const events: OutcomesEvent[] = [];
    expect(await addTestOutcomes({ ...options, onEvent: (e) => events.push(e) })).toEqual({
      added: 0,
      skipped: 0,
      failed: 1,
    });
    expect(events[0]).toMatchObject({ type: 'failed', error: expect.stringContaining('does not reproduce') });
    expect(await readFile(path, 'utf8')).toBe(tampered);

    // A model of another size than the one the numbers came from: refused too, even with the same matrix.
    const resized = JSON.stringify({ ...older, modelBytes: older.modelBytes + 1 });
    await writeFile(path, resized);
    expect(await addTestOutcomes(options)).toEqual({ added: 0, skipped: 0, failed: 1 });
    expect(await readFile(path, 'utf8')).toBe(resized);

    // Outcomes that are not base64 are a schema problem.
    await writeFile(
      path,
      JSON.stringify({ ...stored, testOutcomes: { ...outcomes, correct: '!!not base64!!' } }),
    );
    expect((await readStudyResults(resultsDir)).problems[0]).toMatch(/base64/);

    // Outcomes that disagree with the stored accuracy make the file a reported problem, never half-used.
    const wrong = {
      ...outcomes,
      correct: Buffer.alloc(Buffer.from(outcomes.correct, 'base64').length).toString('base64'),
    };
    await writeFile(path, JSON.stringify({ ...stored, testOutcomes: wrong }));
    const read = await readStudyResults(resultsDir);
    expect(read.results).toHaveLength(0);
    expect(read.problems[0]).toMatch(/testOutcomes have 0 right, the confusion matrix \d+/);
    // So does an accuracy that is not the matrix's diagonal over its total.
    await writeFile(
      path,
      JSON.stringify({ ...stored, classification: { ...stored.classification, accuracy: 1.2 } }),
    );
    expect((await readStudyResults(resultsDir)).problems[0]).toMatch(/accuracy 1\.2 ≠ \d+ right of \d+/);
    await writeFile(path, JSON.stringify(stored));
  });

  it('writes docs/study.md with measured cells, "missing" for the rest, and PNG plots', async () => {
    const resultsDir = join(work, 'results');
    const docsDir = join(work, 'docs');
    const { results, problems } = await readStudyResults(resultsDir);
    await writeStudyReport({
      results,
      problems,
      resultsDir,
      docsDir,
      lead: 'quick',
      command: 'cipherlens study report',
    });
    const markdown = await readFile(join(docsDir, 'study.md'), 'utf8');
    expect(markdown).toContain('**1 of 34** at the quick budget, **0 of 42** at the full budget');
    expect(markdown).toMatch(/\| mnist-bitplane-mlp-arnoldplusxor \| quick \| 1 \| 1 s \|/);
    expect(markdown).toContain(results[0]!.classification.weightedF1.toFixed(4));
    expect(markdown).toMatch(/\| dcnn \| missing \| missing \| missing \| missing \|/);
    const plots = await readdir(join(docsDir, 'study'));
    expect(plots).toContain('mnist-weighted-f1.png');
    const png = await readFile(join(docsDir, 'study', 'mnist-weighted-f1.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(
      (await stat(join(docsDir, 'study', 'mnist-bitplane-mlp-arnoldplusxor-confusion.png'))).size,
    ).toBeGreaterThan(1000);
  });

  it("derives the key-transformed row from the plain row's model: same numbers on cipher images, no cipher training", async () => {
    // The shipped plain MNIST bit-plane model stands in for a trained one (relabelled for the tiny 28×28 data);
    // the transform and the evaluation on an arnold+xor export are the production path.
    const models = join(import.meta.dirname, '..', '..', '..', 'resources', 'models');
    const key = await loadKeyFile(demoKeyPath);
    const tinyExports = join(work, 'exports-28');
    for (const condition of ['plain', 'arnold+xor'] as const) {
      await writeTinyExport({
        outDir: join(tinyExports, `mnist-${condition}`),
        size: 28,
        classes: 10,
        count: 200,
        condition,
        key,
      });
    }
    const trainedIds: string[] = [];
    const plainModelTrainer: StudyTrainer = {
      async train({ outDir, modelId }) {
        trainedIds.push(modelId);
        const { mkdir, writeFile } = await import('node:fs/promises');
        await mkdir(outDir, { recursive: true });
        await copyFile(
          join(models, 'mnist-bitplane-mlp-plain.onnx'),
          join(outDir, 'mnist-bitplane-mlp-plain.onnx'),
        );
        const card = JSON.parse(await readFile(join(models, 'mnist-bitplane-mlp-plain.json'), 'utf8')) as {
          dataset: string;
          classes: string[];
        };
        card.dataset = 'tiny-bars';
        card.classes = Array.from({ length: 10 }, (_, c) => `bar${c}`);
        const cardPath = join(outDir, 'mnist-bitplane-mlp-plain.json');
        await writeFile(cardPath, JSON.stringify(card));
        return { cardPath, durationSeconds: 1, epochsRun: 1, device: 'cpu' };
      },
    };
    const grid = studyConfigurations(key.fingerprint, STUDY_BUDGETS.quick);
    const transformed = grid.find((c) => c.dataset === 'mnist' && c.derivation === 'key-transform')!;
    const plain = plainSourceOf(transformed);
    const resultsDir = join(work, 'results-transformed');
    const options = {
      configurations: [plain, transformed],
      resultsDir,
      workDir: join(work, 'models-transformed'),
      exportsDir: tinyExports,
      trainer: plainModelTrainer,
      threads: 1,
    };

    const events: StudyEvent[] = [];
    const withoutKey = await runStudy({ ...options, onEvent: (e) => events.push(e) });
    expect(withoutKey.failed).toEqual(['mnist-bitplane-mlp-arnoldplusxor-transformed']);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'failed',
        error: expect.stringContaining('run the study with that key'),
      }),
    );

    const withKey = await runStudy({ ...options, key });
    expect(withKey).toEqual({ completed: 1, skipped: 1, failed: [] });
    // Both rows train only the PLAIN source (the real trainer's resume skips the second time).
    expect(new Set(trainedIds)).toEqual(new Set(['mnist-bitplane-mlp-plain']));
    const { results } = await readStudyResults(resultsDir);
    const plainResult = results.find((r) => r.hash === configurationHash(plain))!;
    const transformedResult = results.find((r) => r.hash === configurationHash(transformed))!;
    expect(transformedResult.configuration.derivation).toBe('key-transform');
    expect(transformedResult.classification.confusionMatrix).toEqual(
      plainResult.classification.confusionMatrix,
    );
    expect(transformedResult.retrieval.testToTrain.mAP).toBeCloseTo(plainResult.retrieval.testToTrain.mAP, 5);
    expect(transformedResult.retrieval.testToTest.mAP).toBeCloseTo(plainResult.retrieval.testToTest.mAP, 5);
  });
});

describe('study report observations', () => {
  it('says what the uniform permutation costs each architecture against arnold+xor, from the stored numbers', async () => {
    const grid = studyConfigurations('b574d9e46e54e965', STUDY_BUDGETS.full);
    // 10,000 test images; each configuration is wrong on one range of them, so the paired counts are known.
    const labels = new Int32Array(10000);
    const outcomes = (wrongFrom: number, wrongTo: number) => {
      const predicted = Int32Array.from(labels, (label, i) =>
        i >= wrongFrom && i < wrongTo ? 1 - label : label,
      );
      return encodeTestOutcomes(labels, predicted);
    };
    const wrong: Record<string, [number, number]> = {
      plain: [0, 100],
      'arnold+xor': [0, 300],
      'uniform+xor': [100, 600],
    };
    const fake = (condition: string, weightedF1: number): StudyResult => {
      const configuration = grid.find(
        (c) =>
          c.dataset === 'mnist' && c.architecture === 'dcnn' && c.condition === condition && !c.derivation,
      )!;
      return {
        format: 'cipherlens-study-result',
        version: 1,
        hash: configurationHash(configuration),
        configuration,
        classification: {
          classes: ['a', 'b'],
          accuracy: weightedF1,
          macroF1: weightedF1,
          weightedF1,
          // 10,000 test images with the accuracy above: the second class takes the errors.
          confusionMatrix: [
            [5000, 0],
            [Math.round((1 - weightedF1) * 10000), 5000 - Math.round((1 - weightedF1) * 10000)],
          ],
          perClass: [],
        },
        testOutcomes: outcomes(...wrong[condition]!),
        retrieval: {
          testToTrain: { mAP: 0.9, mAPAt10: 0.9, precisionAt10: 0.9, queries: 10, databaseSize: 10 },
          testToTest: { mAP: 0.9, mAPAt10: 0.9, precisionAt10: 0.9, queries: 10, databaseSize: 10 },
        },
        training: { durationSeconds: 60, epochsRun: 8, device: 'cpu', torchVersion: null, validation: null },
        evaluationSeconds: 5,
        hardware: { cpu: 'test', cores: 2, platform: 'linux' },
        modelBytes: 1,
        createdAt: '2026-12-01T00:00:00Z',
      };
    };
    const docsDir = await mkdtemp(join(tmpdir(), 'cipherlens-report-'));
    try {
      await writeStudyReport({
        results: [fake('plain', 0.99), fake('arnold+xor', 0.97), fake('uniform+xor', 0.95)],
        problems: [],
        resultsDir: docsDir,
        docsDir,
        command: 'test',
      });
      const markdown = await readFile(join(docsDir, 'study.md'), 'utf8');
      expect(markdown).toContain('**3 of 42** at the full budget');
      expect(markdown).toContain(
        '- **uniform+xor against arnold+xor**, weighted F1: dcnn 0.9500 vs 0.9700 (-0.0200).',
      );
      expect(markdown).toMatch(/\| dcnn \| 0\.9900 \| missing \| missing \| 0\.9700 \| 0\.9500 \|/);
      // Paired tests on the per-image outcomes: plain → arnold+xor differ on images 100–299 only, arnold+xor →
      // uniform+xor on 0–99 (right only under uniform+xor) and 300–599; McNemar exact, Holm over 3 comparisons.
      expect(markdown).toContain('| dcnn | plain | arnold | — | missing | — | — |');
      expect(markdown).toContain(
        '| dcnn | plain | arnold+xor | 0.9900 → 0.9700 | 200 / 0 | 1.2e-60 | **significant** |',
      );
      expect(markdown).toContain(
        '| dcnn | arnold+xor | uniform+xor | 0.9700 → 0.9500 | 300 / 100 | 2.6e-24 | **significant** |',
      );
      expect(markdown).toContain("Holm's correction over the 3 comparisons");
      expect(markdown).toContain(
        'All 3 gaps tested are resolved by this test split: dcnn plain → arnold+xor; dcnn plain → uniform+xor; dcnn arnold+xor → uniform+xor.',
      );
      // How finely 10,000 test images resolve a cell: Wilson 95 % intervals of the best encrypted and the lowest.
      expect(markdown).toContain(
        '- **Accuracy intervals**: 10,000 test images, so one image is 0.00010 of accuracy. 95 % Wilson intervals (the best encrypted model above and the lowest cell): dcnn on arnold+xor, accuracy 0.9700: 0.9665–0.9732; dcnn on uniform+xor, accuracy 0.9500: 0.9456–0.9541.',
      );
    } finally {
      await rm(docsDir, { recursive: true, force: true });
    }
  });
});
