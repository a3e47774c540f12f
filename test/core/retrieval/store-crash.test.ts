import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ExactCosineStore } from '../../../src/core/retrieval/exact-cosine-store.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function smallIndex(path: string): Promise<void> {
  const store = ExactCosineStore.create({ dimension: 128 }, { path });
  await store.add(
    ['a', 'b', 'c'].map((id, i) => ({
      id,
      vector: Float32Array.from({ length: 128 }, (_, j) => (j === i ? 1 : 0)),
    })),
  );
  await store.save();
}

describe('ExactCosineStore crash safety', () => {
  it('a process killed in the middle of save() leaves the previous index intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cl-crash-'));
    dirs.push(dir);
    const path = join(dir, 'index.clvs');
    await smallIndex(path);

    const script = fileURLToPath(new URL('./fixtures/save-big-store.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // Kill as soon as the temporary file of the atomic write appears: the new index is half written.
    let sawTemporary = false;
    const deadline = Date.now() + 50_000;
    while (!sawTemporary && Date.now() < deadline && child.exitCode === null) {
      sawTemporary = (await readdir(dir)).some((name) => name.endsWith('.tmp'));
      if (!sawTemporary) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    child.kill('SIGKILL');
    await exited;
    expect(stderr).toBe('');
    expect(sawTemporary).toBe(true);

    const survivor = await ExactCosineStore.open(path);
    expect(await survivor.count()).toBe(3);
    expect(
      (
        await survivor.search(
          Float32Array.from({ length: 128 }, (_, j) => (j === 1 ? 1 : 0)),
          { k: 1 },
        )
      )[0]!.id,
    ).toBe('b');
    expect(existsSync(path)).toBe(true);
  });
});
