import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey, loadThroughCache } from '../../../src/core/datasets/cache.js';
import type { LoadedDataset } from '../../../src/core/datasets/dataset.js';
import { makeTempDir, pattern } from './fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(() => temp.cleanup());

const files = [{ name: 'src.tar.gz', bytes: 10, sha256: 'a'.repeat(64) }];
const dataset: LoadedDataset = {
  name: 'demo',
  classes: ['x', 'y'],
  imageSize: 8,
  parts: {
    all: {
      count: 2,
      images: Uint8Array.from([...pattern(8, 1), ...pattern(8, 2)]),
      labels: Int32Array.from([1, 0]),
    },
  },
  splitPolicy: { kind: 'stratified-fractions', val: 0.1, test: 0.1 },
  source: { kind: 'mednist-tar', location: '/x', files },
};

describe('decoded-dataset cache', () => {
  it('keys on the source checksums', () => {
    expect(cacheKey('demo', 8, files)).toMatch(/^demo-8-[0-9a-f]{16}$/);
    expect(cacheKey('demo', 8, [{ ...files[0]!, sha256: 'b'.repeat(64) }])).not.toBe(
      cacheKey('demo', 8, files),
    );
  });

  it('stores on the first load, serves identical data on the second, and reloads a damaged copy', async () => {
    let loads = 0;
    const load = async (): Promise<LoadedDataset> => {
      loads++;
      return dataset;
    };
    const key = cacheKey('demo', 8, files);
    expect((await loadThroughCache(temp.dir, key, load)).hit).toBe(false);
    const second = await loadThroughCache(temp.dir, key, load);
    expect(second.hit).toBe(true);
    expect(loads).toBe(1);
    expect(second.dataset.classes).toEqual(['x', 'y']);
    expect([...second.dataset.parts.all!.labels]).toEqual([1, 0]);
    expect(Buffer.from(second.dataset.parts.all!.images).equals(Buffer.from(dataset.parts.all!.images))).toBe(
      true,
    );
    expect(second.dataset.source).toEqual(dataset.source);

    expect((await readdir(join(temp.dir, key))).sort()).toContain('dataset.json');
    await writeFile(join(temp.dir, key, 'all-images.npy'), Buffer.alloc(10));
    expect((await loadThroughCache(temp.dir, key, load)).hit).toBe(false);
    expect(loads).toBe(2);
  });
});
