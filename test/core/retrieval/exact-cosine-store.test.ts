import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExactCosineStore } from '../../../src/core/retrieval/exact-cosine-store.js';
import { randomVectors } from './random-vectors.js';

/** Brute-force reference in float64: every item's cosine, sorted by score then insertion order. */
function bruteForce(
  items: Float32Array,
  count: number,
  query: Float32Array,
  dim: number,
): { row: number; score: number }[] {
  const norm = (v: Float32Array, start: number): number => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += v[start + j]! ** 2;
    return Math.sqrt(s);
  };
  const qn = norm(query, 0);
  const scored = Array.from({ length: count }, (_, row) => {
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += items[row * dim + j]! * query[j]!;
    return { row, score: dot / (qn * norm(items, row * dim)) };
  });
  return scored.sort((a, b) => b.score - a.score || a.row - b.row);
}

function fill(store: ExactCosineStore, vectors: Float32Array, count: number, dim: number): Promise<void> {
  return store.add(
    Array.from({ length: count }, (_, i) => ({
      id: `item-${i}`,
      vector: vectors.subarray(i * dim, (i + 1) * dim),
      label: i % 3 === 0 ? 'a' : 'b',
      metadata: { index: i },
    })),
  );
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('ExactCosineStore search', () => {
  it('matches a brute-force float64 ranking on random vectors, across several blocks', async () => {
    const dim = 24;
    const count = 1000;
    const vectors = randomVectors(count, dim, 1);
    const store = ExactCosineStore.create({ dimension: dim }, { blockRows: 128, threads: 1 });
    await fill(store, vectors, count, dim);
    const queries = randomVectors(20, dim, 2);
    const batch = await store.searchBatch(queries, 20, { k: 15 });
    for (let q = 0; q < 20; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const reference = bruteForce(vectors, count, query, dim).slice(0, 15);
      const hits = batch[q]!;
      expect(hits.map((h) => h.id)).toEqual(reference.map((r) => `item-${r.row}`));
      hits.forEach((hit, i) => {
        expect(hit.score).toBeCloseTo(reference[i]!.score, 5);
        expect(hit.rank).toBe(i + 1);
      });
      // One query runs ONNX Runtime's GEMV path, a batch its GEMM: same ranking, scores equal to float32 rounding.
      const single = await store.search(query, { k: 15 });
      expect(single.map((h) => h.id)).toEqual(hits.map((h) => h.id));
      single.forEach((hit, i) => expect(hit.score).toBeCloseTo(hits[i]!.score, 6));
    }
  });

  it('returns labels and metadata, honours k larger than the index and excluded ids', async () => {
    const dim = 4;
    const store = ExactCosineStore.create({ dimension: dim });
    await store.add([
      { id: 'x', vector: Float32Array.of(1, 0, 0, 0), label: 'cat', metadata: { file: 'x.png' } },
      { id: 'y', vector: Float32Array.of(2, 2, 0, 0), label: 'dog' },
      { id: 'z', vector: Float32Array.of(0, 0, 0, -3) },
    ]);
    const hits = await store.search(Float32Array.of(5, 0, 0, 0), { k: 10 });
    expect(hits.map((h) => [h.id, h.label])).toEqual([
      ['x', 'cat'],
      ['y', 'dog'],
      ['z', null],
    ]);
    expect(hits[0]!.metadata).toEqual({ file: 'x.png' });
    expect(hits[1]!.score).toBeCloseTo(Math.SQRT1_2, 6);
    expect(hits[2]!.score).toBeCloseTo(0, 6);
    const byId = await store.searchById('x', { k: 1 });
    expect(byId.map((h) => h.id)).toEqual(['y']);
  });

  it('keeps insertion order among equal scores', async () => {
    const store = ExactCosineStore.create({ dimension: 2 }, { blockRows: 2 });
    await store.add(['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, vector: Float32Array.of(1, 1) })));
    const hits = await store.search(Float32Array.of(1, 1), { k: 4 });
    expect(hits.map((h) => h.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('removes items and keeps the rest searchable', async () => {
    const dim = 8;
    const vectors = randomVectors(300, dim, 3);
    const store = ExactCosineStore.create({ dimension: dim }, { blockRows: 64 });
    await fill(store, vectors, 300, dim);
    expect(await store.remove(['item-0', 'item-5', 'missing', 'item-299'])).toBe(3);
    expect(await store.count()).toBe(297);
    expect((await store.get(['item-5']))[0]).toBeNull();
    const kept = (await store.get(['item-7']))[0];
    expect(kept?.metadata).toEqual({ index: 7 });
    const hits = await store.search(vectors.subarray(7 * dim, 8 * dim), { k: 300 });
    expect(hits).toHaveLength(297);
    expect(hits[0]!.id).toBe('item-7');
    expect(new Set(hits.map((h) => h.id)).has('item-5')).toBe(false);
  });

  it('refuses bad input and leaves the store unchanged', async () => {
    const store = ExactCosineStore.create({ dimension: 3 });
    await store.add([{ id: 'a', vector: Float32Array.of(1, 2, 3) }]);
    await expect(store.add([{ id: 'a', vector: Float32Array.of(1, 0, 0) }])).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(
      store.add([
        { id: 'b', vector: Float32Array.of(1, 0, 0) },
        { id: 'c', vector: Float32Array.of(0, 0, 0) },
      ]),
    ).rejects.toThrow(/norm 0/);
    await expect(store.add([{ id: 'd', vector: Float32Array.of(1, 0) }])).rejects.toThrow(/3-d vectors/);
    await expect(store.add([{ id: 'e', vector: Float32Array.of(1, Number.NaN, 0) }])).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    expect(await store.count()).toBe(1);
    await expect(store.search(Float32Array.of(1, 0))).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(store.search(Float32Array.of(1, 0, 0), { k: 0 })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(store.searchById('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await ExactCosineStore.create({ dimension: 3 }).search(Float32Array.of(1, 0, 0))).toEqual([]);
  });
});

describe('ExactCosineStore persistence', () => {
  it('saves and loads without the model: same items, same search results', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cl-store-'));
    dirs.push(dir);
    const path = join(dir, 'index.clvs');
    const dim = 16;
    const vectors = randomVectors(200, dim, 4);
    const store = ExactCosineStore.create(
      {
        dimension: dim,
        modelId: 'm',
        keyFingerprint: 'b574d9e46e54e965',
        condition: 'arnold',
        classes: ['a', 'b'],
      },
      { path, blockRows: 50 },
    );
    await fill(store, vectors, 200, dim);
    await store.save();
    const loaded = await ExactCosineStore.open(path, { blockRows: 64 });
    expect(await loaded.count()).toBe(200);
    expect(loaded.description).toEqual(store.description);
    const query = randomVectors(1, dim, 5);
    expect(await loaded.search(query, { k: 20 })).toEqual(await store.search(query, { k: 20 }));
    expect((await loaded.get(['item-9']))[0]?.vector).toEqual((await store.get(['item-9']))[0]?.vector);
  });

  it('refuses damaged and truncated files with clear errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cl-store-'));
    dirs.push(dir);
    const path = join(dir, 'index.clvs');
    const store = ExactCosineStore.create({ dimension: 4 }, { path });
    await store.add([{ id: 'a', vector: Float32Array.of(1, 2, 3, 4) }]);
    await store.save();
    const { readFile, writeFile } = await import('node:fs/promises');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 3));
    await expect(ExactCosineStore.open(path)).rejects.toMatchObject({ code: 'TRUNCATED' });
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x40;
    await writeFile(path, flipped);
    await expect(ExactCosineStore.open(path)).rejects.toMatchObject({ code: 'INTEGRITY' });
    await writeFile(path, 'not an index');
    await expect(ExactCosineStore.open(path)).rejects.toMatchObject({ code: 'BAD_FORMAT' });
    await expect(ExactCosineStore.open(join(dir, 'missing.clvs'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(ExactCosineStore.create({ dimension: 2 }).save()).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
  });
});
