import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ExactCosineStore } from '../../../src/core/retrieval/exact-cosine-store.js';

// Every file handle opened while `failWrites` is set writes half its data, then fails like a full disk.
const failure = vi.hoisted(() => ({ failWrites: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof actual.open = async (...args) => {
    const handle = await actual.open(...args);
    if (!failure.failWrites) return handle;
    const writeFile = async (data: Uint8Array): Promise<void> => {
      await handle.write(data.subarray(0, Math.floor(data.length / 2)));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    return new Proxy(handle, {
      get(target, property) {
        if (property === 'writeFile') return writeFile;
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  return { ...actual, open, default: { ...actual, open } };
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('ExactCosineStore save failure', () => {
  it('a failing write keeps the previous index byte for byte and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cl-fail-'));
    dirs.push(dir);
    const path = join(dir, 'index.clvs');
    const store = ExactCosineStore.create({ dimension: 4 }, { path });
    await store.add([{ id: 'first', vector: Float32Array.of(1, 0, 0, 0) }]);
    await store.save();
    const before = await readFile(path);

    await store.add([{ id: 'second', vector: Float32Array.of(0, 1, 0, 0) }]);
    failure.failWrites = true;
    try {
      // A full disk is reported as such (DISK_FULL, with the free space), not as an internal error.
      await expect(store.save()).rejects.toMatchObject({ code: 'DISK_FULL', message: /is full/ });
    } finally {
      failure.failWrites = false;
    }
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(dir)).toEqual(['index.clvs']);
    const reopened = await ExactCosineStore.open(path);
    expect(await reopened.count()).toBe(1);
    await store.save();
    expect(await (await ExactCosineStore.open(path)).count()).toBe(2);
  });
});
