import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel, type EvaluationStage } from '../../../src/core/evaluation/evaluate-model.js';
import { evaluationMarkdown } from '../../../src/core/evaluation/report-markdown.js';
import { resolveModel, type ModelFiles } from '../../../src/core/inference/model-files.js';
import { TINY_CARD, writeTinyExport } from './tiny-export.js';

let dir: string;
let model: ModelFiles;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cl-eval-'));
  await writeTinyExport(dir, { train: 300, test: 120 });
  model = await resolveModel(TINY_CARD);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('evaluateModel on a tensor export', () => {
  it('classifies the split and ranks it against the database and leave-one-out', async () => {
    const stages = new Set<EvaluationStage>();
    const evaluation = await evaluateModel({
      model,
      exportDir: dir,
      threads: 1,
      onProgress: (stage) => stages.add(stage),
    });
    expect([...stages]).toEqual([
      'classify queries',
      'embed database',
      'retrieval vs database',
      'retrieval leave-one-out',
    ]);
    expect(evaluation.data).toMatchObject({
      split: 'test',
      databaseSplit: 'train',
      queries: 120,
      database: 300,
    });
    expect(evaluation.classification.count).toBe(120);
    expect(evaluation.classification.perClass.map((c) => c.support)).toEqual([60, 60]);
    // The fixture's dark and bright levels never meet at mid-grey: the model is right on all of them.
    expect(evaluation.classification.accuracy).toBe(1);
    expect(evaluation.retrieval.queryVsDatabase.protocol).toBe('query-vs-database');
    expect(evaluation.retrieval.queryVsDatabase.database).toBe(300);
    expect(evaluation.retrieval.leaveOneOut.database).toBe(119);
    expect(evaluation.retrieval.queryVsDatabase.mAP).toBeGreaterThan(0.9);
    expect(evaluation.run.provider).toBe('cpu');
    expect(JSON.parse(JSON.stringify(evaluation))).toEqual(evaluation);
    const markdown = evaluationMarkdown(evaluation);
    expect(markdown).toContain('# Evaluation of tiny-inference-model');
    expect(markdown).toContain('| dark | 1.0000 | 1.0000 | 1.0000 | 60 |');
    expect(markdown).toMatch(/test queries vs train database/);
  });

  it('names the export command when the export is missing, and refuses an export for another key', async () => {
    await expect(evaluateModel({ model, exportDir: join(dir, 'absent') })).rejects.toThrow(
      'run `cipherlens export-dataset --dataset tiny-brightness --condition arnold`',
    );
    const other = await mkdtemp(join(tmpdir(), 'cl-eval-key-'));
    try {
      await writeTinyExport(other, { train: 4, test: 4 });
      const manifest = JSON.parse(await readFile(join(other, 'manifest.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      await writeFile(
        join(other, 'manifest.json'),
        JSON.stringify({ ...manifest, keyFingerprint: '0123456789abcdef' }),
      );
      await expect(evaluateModel({ model, exportDir: other })).rejects.toMatchObject({
        code: 'MODEL_MISMATCH',
        message: expect.stringMatching(
          /trained for key b574d9e46e54e965, .* encrypted with key 0123456789abcdef/,
        ) as string,
      });
      await writeFile(
        join(other, 'manifest.json'),
        JSON.stringify({ ...manifest, classes: ['bright', 'dark'] }),
      );
      await expect(evaluateModel({ model, exportDir: other })).rejects.toMatchObject({
        code: 'MODEL_MISMATCH',
      });
      await writeFile(join(other, 'manifest.json'), JSON.stringify(manifest));
      await expect(evaluateModel({ model, exportDir: other, split: 'val' })).rejects.toThrow(
        /no split "val"/,
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
