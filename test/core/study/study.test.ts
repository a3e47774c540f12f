import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyFile } from '../../../src/core/crypto/keys.js';
import {
  DEFAULT_STUDY_BUDGET,
  configurationHash,
  studyConfigurations,
  type StudyConfiguration,
} from '../../../src/core/study/configurations.js';
import { writeStudyReport } from '../../../src/core/study/report.js';
import { readStudyResults } from '../../../src/core/study/results.js';
import { runStudy, type StudyEvent, type StudyTrainer } from '../../../src/core/study/runner.js';
import { writeTinyExport } from '../training/tiny-export.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
const demoKeyPath = join(import.meta.dirname, '..', '..', '..', 'resources', 'keys', 'demo.key');

describe('study configurations', () => {
  it('enumerates 2 datasets × 4 conditions × 4 architectures with distinct, stable hashes', () => {
    const configurations = studyConfigurations('b574d9e46e54e965');
    expect(configurations).toHaveLength(32);
    const hashes = new Set(configurations.map(configurationHash));
    expect(hashes.size).toBe(32);
    expect(configurationHash(configurations[0]!)).toBe(
      configurationHash(studyConfigurations('b574d9e46e54e965')[0]!),
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
      await copyFile(join(fixtures, 'tiny-model.json'), join(outDir, 'tiny-model.json'));
      return { cardPath: join(outDir, 'tiny-model.json'), durationSeconds: 0.5, epochsRun: 1, device: 'cpu' };
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
    configuration = studyConfigurations(key.fingerprint).find(
      (c) => c.dataset === 'mnist' && c.architecture === 'bitplane-mlp' && c.condition === 'arnold+xor',
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

  it('writes docs/study.md with measured cells, "missing" for the rest, and PNG plots', async () => {
    const resultsDir = join(work, 'results');
    const docsDir = join(work, 'docs');
    const { results, problems } = await readStudyResults(resultsDir);
    await writeStudyReport({
      results,
      problems,
      resultsDir,
      docsDir,
      budget: DEFAULT_STUDY_BUDGET,
      command: 'cipherlens study report',
    });
    const markdown = await readFile(join(docsDir, 'study.md'), 'utf8');
    expect(markdown).toContain('Configurations with results: **1 of 32**');
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
});
