import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyFile, type CipherKey } from '../../../src/core/crypto/keys.js';
import { createInferenceEngine } from '../../../src/core/inference/engine.js';
import { parseModelCard } from '../../../src/core/inference/model-card.js';
import { resolveModel, type ModelFiles } from '../../../src/core/inference/model-files.js';
import { ExactCosineStore } from '../../../src/core/retrieval/exact-cosine-store.js';
import {
  buildExportIndex,
  checkIndexMatchesModel,
  searchByImage,
} from '../../../src/core/retrieval/model-index.js';
import { TINY_CARD, writeTinyExport } from '../evaluation/tiny-export.js';

let dir: string;
let model: ModelFiles;
let key: CipherKey;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cl-index-'));
  await writeTinyExport(dir, { train: 200, test: 10 });
  model = await resolveModel(TINY_CARD);
  key = await loadKeyFile(fileURLToPath(new URL('../../../resources/keys/demo.key', import.meta.url)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('index of an export, queried by image', () => {
  it('builds, saves, reloads and answers an image query with same-class neighbours', async () => {
    const out = join(dir, 'train.clvs');
    const built = await buildExportIndex({
      model,
      exportDir: dir,
      split: 'train',
      store: { kind: 'exact', path: out },
      threads: 1,
    });
    expect(await built.count()).toBe(200);
    const store = await ExactCosineStore.open(out);
    expect(store.description).toMatchObject({
      modelId: 'tiny-inference-model',
      split: 'train',
      classes: ['dark', 'bright'],
    });
    expect((await store.get(['tiny-brightness/train/3']))[0]).toMatchObject({
      label: 'bright',
      metadata: { split: 'train', index: 3 },
    });

    const engine = await createInferenceEngine({ model, key, threads: 1 });
    try {
      const query = engine.encrypt([new Uint8Array(256).fill(235)]);
      const hits = await searchByImage(engine, store, query, 5);
      expect(hits).toHaveLength(5);
      expect(hits.every((hit) => hit.label === 'bright')).toBe(true);
      expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[4]!.score);
    } finally {
      await engine.close();
    }
  });

  it('refuses to query an index with embeddings of another model or key', () => {
    const description = {
      dimension: 512,
      metric: 'cosine' as const,
      modelId: 'other-model',
      keyFingerprint: model.card.keyFingerprint,
      condition: 'arnold',
      dataset: null,
      split: null,
      classes: null,
      createdAt: '',
    };
    expect(() => checkIndexMatchesModel(description, model.card)).toThrow(/built with model other-model/);
    const plainCard = parseModelCard({
      ...model.card,
      condition: 'plain',
      keyFingerprint: null,
      arnoldParametersId: null,
    });
    expect(() => checkIndexMatchesModel({ ...description, modelId: null }, plainCard)).toThrow(
      /encrypted with key b574/,
    );
  });
});
