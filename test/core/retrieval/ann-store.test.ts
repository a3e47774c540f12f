import { copyFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnCosineStore } from '../../../src/core/retrieval/ann-store.js';
import { ExactCosineStore } from '../../../src/core/retrieval/exact-cosine-store.js';
import { openVectorStore } from '../../../src/core/retrieval/open-vector-store.js';
import { temporaryFolder } from '../workspace/helpers.js';
import { randomVectors } from './random-vectors.js';

const DIM = 32;
let dir: string;
beforeAll(async () => {
  dir = await temporaryFolder('cl-ann-');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const items = (count: number, seed: number) => {
  const vectors = randomVectors(count, DIM, seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `v${i}`,
    vector: vectors.subarray(i * DIM, (i + 1) * DIM),
  }));
};

async function savedAnn(name: string): Promise<{ path: string; data: ReturnType<typeof items> }> {
  const path = join(dir, `${name}.clvs`);
  const data = items(300, 4);
  const store = AnnCosineStore.create({ dimension: DIM }, { path });
  await store.add(data);
  await store.save();
  await store.close();
  return { path, data };
}

const graphFiles = async (path: string): Promise<string[]> =>
  (await readdir(dir)).filter(
    (name) => name.startsWith(`${path.split('/').pop()!}.`) && name.endsWith('.hnsw'),
  );

describe('AnnCosineStore graph file', () => {
  it('keeps exactly one graph file per vectors file across saves', async () => {
    const { path, data } = await savedAnn('saves');
    const store = await AnnCosineStore.open(path);
    await store.remove(['v1']);
    await store.save();
    await store.save();
    expect(await graphFiles(path)).toHaveLength(1);
    expect((await store.search(data[5]!.vector, { k: 1 }))[0]!.id).toBe('v5');
    await store.close();
  });

  it('rebuilds a missing or damaged graph from the vectors, and answers the same', async () => {
    const { path, data } = await savedAnn('damaged');
    const [graph] = await graphFiles(path);
    await writeFile(join(dir, graph!), 'not a graph');
    const rebuilt = await AnnCosineStore.open(path);
    expect(await rebuilt.count()).toBe(300);
    expect((await rebuilt.search(data[7]!.vector, { k: 1 }))[0]!.id).toBe('v7');
    await rebuilt.close();
    // The rebuilt graph was saved at once (not rebuilt at every open), replacing the damaged file.
    const [fresh] = await graphFiles(path);
    expect(fresh).not.toBe(graph);
    await rm(join(dir, fresh!));
    const again = await AnnCosineStore.open(path);
    expect((await again.search(data[9]!.vector, { k: 1 }))[0]!.id).toBe('v9');
    await again.close();
  });

  it('a valid graph of other vectors in place of the recorded one is refused and rebuilt', async () => {
    const { path, data } = await savedAnn('swapped');
    const other = AnnCosineStore.create({ dimension: DIM }, { path: join(dir, 'other.clvs') });
    await other.add(items(300, 99));
    await other.save();
    await other.close();
    const [mine] = await graphFiles(path);
    const [theirs] = await graphFiles(join(dir, 'other.clvs'));
    // Same count and dimension, so only the recorded checksum tells them apart.
    await copyFile(join(dir, theirs!), join(dir, mine!));
    const store = await AnnCosineStore.open(path);
    for (const i of [3, 50, 299])
      expect((await store.search(data[i]!.vector, { k: 1 }))[0]!.id).toBe(`v${i}`);
    await store.close();
  });

  it('opens an exact index as HNSW (and back): one file format', async () => {
    const path = join(dir, 'exact.clvs');
    const exact = ExactCosineStore.create({ dimension: DIM }, { path });
    const data = items(200, 8);
    await exact.add(data);
    await exact.save();
    const ann = await openVectorStore({ kind: 'ann', path, expansionSearch: 64 });
    expect(ann.engine).toEqual({ kind: 'ann', precision: 'f16', recall: 'hnsw M 16 ef 64' });
    expect((await ann.search(data[2]!.vector, { k: 1 }))[0]!.id).toBe('v2');
    await ann.close();
    const back = await openVectorStore({ kind: 'exact', path });
    expect(await back.count()).toBe(200);
  });

  it('refuses settings outside their range', async () => {
    expect(() => AnnCosineStore.create({ dimension: DIM }, { connectivity: 1 })).toThrow(/connectivity/);
    expect(() => AnnCosineStore.create({ dimension: DIM }, { precision: 'f64' as never })).toThrow(
      /precision/,
    );
    const store = AnnCosineStore.create({ dimension: DIM });
    expect(() => store.setExpansionSearch(0)).toThrow(/expansionSearch/);
    store.setExpansionSearch(300);
    expect(store.engine.recall).toBe('hnsw M 16 ef 300');
  });
});
