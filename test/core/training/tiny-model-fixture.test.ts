import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY_FINGERPRINT, loadKeyFile } from '../../../src/core/crypto/keys.js';
import { npyIntegers, readNpy } from '../../../src/core/datasets/npy.js';
import { parseModelCard } from '../../../src/core/inference/model-card.js';
import { writeTinyExport } from './tiny-export.js';

const FIXTURE = 'test/fixtures/tiny-model';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cipherlens-fixture-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('test/fixtures/tiny-model (trained by test/fixtures/tiny-model.make.ts)', () => {
  it('has a valid card whose checksum matches the ONNX file', async () => {
    const card = parseModelCard(JSON.parse(await readFile(`${FIXTURE}.json`, 'utf8')));
    const onnx = await readFile(`${FIXTURE}.onnx`);
    expect(card.onnx.sha256).toBe(createHash('sha256').update(onnx).digest('hex'));
    expect(card).toMatchObject({ id: 'tiny-model', condition: 'arnold+xor', keyFingerprint: DEMO_KEY_FINGERPRINT });
    expect(onnx.length).toBeLessThan(64 * 1024);
  });

  it('classifies freshly encrypted demo-key images of its toy task', async () => {
    const card = parseModelCard(JSON.parse(await readFile(`${FIXTURE}.json`, 'utf8')));
    const key = await loadKeyFile('resources/keys/demo.key');
    // A different seed than the one the fixture was trained on: new noise, same classes, same cipher.
    const manifest = await writeTinyExport({
      outDir: dir,
      size: card.inputSize,
      classes: card.classes.length,
      count: 150,
      condition: 'arnold+xor',
      key,
      seed: 99,
    });
    expect(manifest.arnoldParametersId).toBe(card.arnoldParametersId);
    const images = await readNpy(join(dir, 'test-images.npy'));
    const labels = npyIntegers(await readNpy(join(dir, 'test-labels.npy')));
    const session = await ort.InferenceSession.create(`${FIXTURE}.onnx`);
    const size = card.inputSize;
    const { logits } = await session.run({
      image: new ort.Tensor('uint8', images.data, [labels.length, 1, size, size]),
    });
    const scores = logits!.data as Float32Array;
    const classes = card.classes.length;
    let correct = 0;
    for (let i = 0; i < labels.length; i++) {
      const row = Array.from(scores.subarray(i * classes, (i + 1) * classes));
      if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
    }
    expect(correct / labels.length).toBeGreaterThanOrEqual(0.9);
    await session.release();
  });
});
