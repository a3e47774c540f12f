import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, loadKeyFile, type CipherKey } from '../../../src/core/crypto/keys.js';
import { createInferenceEngine, type InferenceEngine } from '../../../src/core/inference/engine.js';

const fixtures = fileURLToPath(new URL('../../fixtures', import.meta.url));
const cardPath = join(fixtures, 'tiny-inference-model.json');
const demoKeyPath = fileURLToPath(new URL('../../../resources/keys/demo.key', import.meta.url));
let key: CipherKey;
let engine: InferenceEngine;
const dirs: string[] = [];

const dark = (level = 30): Uint8Array => new Uint8Array(256).fill(level);
const bright = (level = 220): Uint8Array => new Uint8Array(256).map((_, i) => level + (i % 3));

beforeAll(async () => {
  key = await loadKeyFile(demoKeyPath);
  engine = await createInferenceEngine({ model: cardPath, key, threads: 1, provider: 'cpu', batchSize: 4 });
});
afterAll(async () => {
  await engine.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function cardVariant(change: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cl-engine-'));
  dirs.push(dir);
  await copyFile(join(fixtures, 'tiny-inference-model.onnx'), join(dir, 'tiny-inference-model.onnx'));
  const card = JSON.parse(await readFile(cardPath, 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'tiny-inference-model.json'), JSON.stringify({ ...card, ...change }));
  return join(dir, 'tiny-inference-model.json');
}

describe('inference engine (worker thread)', () => {
  it('reports the provider that runs and classifies encrypted images correctly', async () => {
    expect(engine.provider).toBe('cpu');
    expect(engine.threads).toBe(1);
    const images = engine.encrypt([dark(), bright(), dark(10), bright(250), dark(60)]);
    const results = await engine.classify(images, { top: 2 });
    expect(results.map((r) => r.label)).toEqual(['dark', 'bright', 'dark', 'bright', 'dark']);
    for (const result of results) {
      expect(result.top).toHaveLength(2);
      expect(result.top[0]!.probability + result.top[1]!.probability).toBeCloseTo(1, 5);
      expect(result.probability).toBe(result.top[0]!.probability);
    }
    expect(JSON.parse(JSON.stringify(results))).toEqual(results);
  });

  it('returns logits, softmax probabilities and 512-d embeddings, batch by batch with progress', async () => {
    const progress: [number, number][] = [];
    const images = engine.encrypt(Array.from({ length: 10 }, (_, i) => (i % 2 ? bright() : dark())));
    const outputs = await engine.infer(images, { onProgress: (done, total) => progress.push([done, total]) });
    expect(outputs.count).toBe(10);
    expect(outputs.embeddings).toHaveLength(10 * 512);
    expect(outputs.logits).toHaveLength(20);
    expect(progress).toEqual([
      [4, 10],
      [8, 10],
      [10, 10],
    ]);
    for (let row = 0; row < 10; row++) {
      const [a, b] = [outputs.logits[2 * row]!, outputs.logits[2 * row + 1]!];
      expect(outputs.probabilities[2 * row + 1]).toBeCloseTo(1 / (1 + Math.exp(a - b)), 6);
    }
    // Same image in, same embedding out, whether alone or in a batch.
    const single = await engine.embed([images.subarray(256, 512)]);
    single.forEach((v, i) => expect(v).toBeCloseTo(outputs.embeddings[512 + i]!, 4));
  });

  it('cancels a long run between batches and stays usable', async () => {
    const many = engine.encrypt(Array.from({ length: 4000 }, () => dark()));
    const controller = new AbortController();
    let lastDone = 0;
    const run = engine.infer(many, {
      signal: controller.signal,
      onProgress: (done) => {
        lastDone = done;
        if (done >= 40) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(lastDone).toBeLessThan(4000);
    const aborted = new AbortController();
    aborted.abort();
    await expect(engine.infer(many, { signal: aborted.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await engine.classify(engine.encrypt([bright()])))[0]!.label).toBe('bright');
  });

  it('refuses images of the wrong size without touching the worker', async () => {
    await expect(engine.infer(new Uint8Array(300))).rejects.toMatchObject({ code: 'BAD_SIZE' });
    await expect(engine.infer([new Uint8Array(256), new Uint8Array(10)])).rejects.toThrow(
      /image 1 has 10 pixels/,
    );
  });

  it('refuses the wrong key before loading anything', async () => {
    const other = generateKey();
    await expect(createInferenceEngine({ model: cardPath, key: other })).rejects.toMatchObject({
      code: 'MODEL_MISMATCH',
      message: `model tiny-inference-model was trained for key b574d9e46e54e965, active key is ${other.fingerprint}`,
    });
  });

  it('refuses an ONNX file that is not the one its card describes, or whose tensors disagree with the card', async () => {
    const tampered = await cardVariant({
      onnx: { file: 'tiny-inference-model.onnx', opset: 17, sha256: 'a'.repeat(64) },
    });
    await expect(createInferenceEngine({ model: tampered, key, threads: 1 })).rejects.toMatchObject({
      code: 'INTEGRITY',
    });
    const wrongClasses = await cardVariant({ classes: ['a', 'b', 'c'] });
    await expect(createInferenceEngine({ model: wrongClasses, key, threads: 1 })).rejects.toMatchObject({
      code: 'MODEL_MISMATCH',
      message: expect.stringMatching(
        /"logits" is float32 \[batch, 2\], expected float32 \[batch, 3\]/,
      ) as string,
    });
  });

  it('fails cleanly after close', async () => {
    const temporary = await createInferenceEngine({ model: cardPath, key, threads: 1 });
    await temporary.close();
    await expect(temporary.infer(new Uint8Array(256))).rejects.toThrow(/was closed/);
    await temporary.close();
  });
});
