import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CARD, writeTinyExport } from '../../core/evaluation/tiny-export.js';
import { runCli as cli } from '../run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cl-cli-'));
  await writeTinyExport(dir, { train: 100, test: 40 });
  await sharp(Buffer.alloc(256, 20), { raw: { width: 16, height: 16, channels: 1 } })
    .png()
    .toFile(join(dir, 'dark.png'));
  await sharp(Buffer.alloc(1024, 230), { raw: { width: 32, height: 32, channels: 1 } })
    .png()
    .toFile(join(dir, 'bright.png'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('cipherlens classify', () => {
  it('prints JSON predictions per image and reports unreadable files', async () => {
    const result = await cli(
      'classify',
      join(dir, 'dark.png'),
      join(dir, 'bright.png'),
      join(dir, 'nope.png'),
      '--model',
      TINY_CARD,
      '--top',
      '1',
      '--threads',
      '1',
      '--json',
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      results: { predictions: { label: string }[]; conversion: string[] }[];
    };
    expect(report.results.map((r) => r.predictions[0]!.label)).toEqual(['dark', 'bright']);
    expect(report.results[1]!.conversion.join()).toMatch(/32×32 → 16×16/);
    expect(result.stderr).toMatch(/nope\.png: error \[NOT_FOUND\]/);
  });

  it('refuses a model trained for another key', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'cl-cli-key-'));
    try {
      expect((await cli('keygen', '--out', join(keyDir, 'other.key'))).code).toBe(0);
      const result = await cli(
        'classify',
        join(dir, 'dark.png'),
        '--model',
        TINY_CARD,
        '--key',
        join(keyDir, 'other.key'),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /error \[MODEL_MISMATCH\]: model tiny-inference-model was trained for key b574d9e46e54e965, active key is [0-9a-f]{16}/,
      );
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  });
});

describe('cipherlens index and evaluate', () => {
  it('builds an index from the export and queries it by image and by id', async () => {
    const index = join(dir, 'train.clvs');
    const built = await cli(
      'index',
      'build',
      '--model',
      TINY_CARD,
      '--export-dir',
      dir,
      '--out',
      index,
      '--json',
    );
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({
      items: 100,
      split: 'train',
      model: 'tiny-inference-model',
    });
    const byImage = await cli(
      'index',
      'query',
      join(dir, 'bright.png'),
      '--index',
      index,
      '--model',
      TINY_CARD,
      '--k',
      '4',
      '--json',
    );
    expect(byImage.code).toBe(0);
    const hits = (JSON.parse(byImage.stdout) as { hits: { label: string; rank: number }[] }).hits;
    expect(hits.map((h) => [h.rank, h.label])).toEqual([
      [1, 'bright'],
      [2, 'bright'],
      [3, 'bright'],
      [4, 'bright'],
    ]);
    const byId = await cli('index', 'query', '--id', 'tiny-brightness/train/0', '--index', index, '--k', '2');
    expect(byId.stdout).toMatch(/rank {2}score/);
    expect(byId.stdout).not.toMatch(/tiny-brightness\/train\/0\n/);
    expect((await cli('index', 'frobnicate')).stderr).toMatch(/unknown action "frobnicate"/);
  });

  it('evaluates a model on the export and writes JSON and Markdown reports', async () => {
    const markdown = join(dir, 'report.md');
    const result = await cli(
      'evaluate',
      '--model',
      TINY_CARD,
      '--export-dir',
      dir,
      '--markdown',
      markdown,
      '--json',
      '--threads',
      '1',
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      classification: { accuracy: number };
      retrieval: { leaveOneOut: { protocol: string } };
    };
    expect(report.classification.accuracy).toBe(1);
    expect(report.retrieval.leaveOneOut.protocol).toBe('leave-one-out');
    expect(await readFile(markdown, 'utf8')).toContain('## Retrieval');
    const missing = await cli('evaluate', '--model', TINY_CARD, '--export-dir', join(dir, 'none'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /run `cipherlens export-dataset --dataset tiny-brightness --condition arnold`/,
    );
  });
});

describe('cipherlens classify with a key no model was trained for', () => {
  it('derives the shipped bit-plane model for the key and names it in the JSON of every image', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cl-cli-own-key-'));
    try {
      expect((await cli('keygen', '--out', join(work, 'mine.key'))).code).toBe(0);
      const images = join(work, 'images', 'nested');
      await mkdir(images, { recursive: true });
      // A bright square on black and its negative: the test is about binding, not accuracy.
      const square = Buffer.alloc(28 * 28).map((_, i) =>
        i % 28 > 8 && i % 28 < 20 && i > 224 && i < 560 ? 255 : 0,
      );
      await sharp(square, { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toFile(join(images, 'a.png'));
      await sharp(
        square.map((v) => 255 - v),
        { raw: { width: 28, height: 28, channels: 1 } },
      )
        .png()
        .toFile(join(images, 'b.png'));
      const result = await cli(
        'classify',
        join(work, 'images'),
        '--dataset',
        'mnist',
        '--key',
        join(work, 'mine.key'),
        '--threads',
        '1',
        '--json',
      );
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as {
        model: { id: string; keyFingerprint: string; transformedFrom: string | null };
        results: {
          input: string;
          label: string;
          probability: number;
          model: string;
          modelKeyFingerprint: string;
          transformedFrom: string | null;
        }[];
      };
      expect(report.results).toHaveLength(2);
      expect(report.model.id).toBe(`mnist-bitplane-mlp-plain-for-${report.model.keyFingerprint}`);
      expect(report.model.keyFingerprint).not.toBe('b574d9e46e54e965');
      for (const row of report.results) {
        expect(row.model).toBe(report.model.id);
        expect(row.modelKeyFingerprint).toBe(report.model.keyFingerprint);
        expect(row.transformedFrom).toBe('mnist-bitplane-mlp-plain');
        expect(row.label).toMatch(/^[0-9]$/);
        expect(row.probability).toBeGreaterThan(0);
      }
      // The demo key's own trained model reports no transform.
      const demo = await cli(
        'classify',
        join(images, 'a.png'),
        '--dataset',
        'mnist',
        '--json',
        '--threads',
        '1',
      );
      expect(demo.code).toBe(0);
      const demoRow = (
        JSON.parse(demo.stdout) as { results: { transformedFrom: string | null; model: string }[] }
      ).results[0]!;
      expect(demoRow.transformedFrom).toBeNull();
      expect(demoRow.model).toBe('mnist-dcnn-arnoldplusxor');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
