import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageCipher } from '../../../src/core/crypto/cipher.js';
import { generateKey, keyFromBytes, type CipherKey } from '../../../src/core/crypto/keys.js';
import { resolveDataDir } from '../../../src/core/datasets/data-dir.js';
import { loadMnist } from '../../../src/core/datasets/mnist.js';
import { transformModel } from '../../../src/core/inference/key-transform.js';
import { loadModelCard, type ModelCard } from '../../../src/core/inference/model-card.js';
import { checkModelKey } from '../../../src/core/inference/compatibility.js';

const models = fileURLToPath(new URL('../../../resources/models', import.meta.url));

interface Plain {
  card: ModelCard;
  bytes: Uint8Array;
  session: ort.InferenceSession;
}

async function openPlain(id: string): Promise<Plain> {
  const card = await loadModelCard(join(models, `${id}.json`));
  const bytes = new Uint8Array(await readFile(join(models, card.onnx.file)));
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  return { card, bytes, session };
}

async function run(
  session: ort.InferenceSession,
  images: Uint8Array,
  size: number,
): Promise<{ logits: Float32Array; embedding: Float32Array }> {
  const count = images.length / (size * size);
  const out = await session.run({ image: new ort.Tensor('uint8', images, [count, 1, size, size]) });
  return { logits: out.logits!.data as Float32Array, embedding: out.embedding!.data as Float32Array };
}

function argmaxRows(values: Float32Array, columns: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < values.length / columns; r++) {
    let best = 0;
    for (let c = 1; c < columns; c++) if (values[r * columns + c]! > values[r * columns + best]!) best = c;
    rows.push(best);
  }
  return rows;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function encryptAll(key: CipherKey, size: number, plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain.length);
  createImageCipher(key, 'arnold+xor', size).encryptBatch(plain, out);
  return out;
}

const plainModels: Record<number, Plain> = {};

beforeAll(async () => {
  plainModels[28] = await openPlain('mnist-bitplane-mlp-plain');
  plainModels[64] = await openPlain('mednist-bitplane-mlp-plain');
});
afterAll(async () => {
  for (const plain of Object.values(plainModels)) await plain.session.release();
});

describe('key-transformed bit-plane models (through onnxruntime-node)', () => {
  for (const size of [28, 64]) {
    it(`transformed(encrypt_K(x)) = plain(x) for random keys and images, ${size}×${size}`, async () => {
      const plain = plainModels[size]!;
      expect(plain.card.inputSize).toBe(size);
      const pixels = size * size;
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 6 * pixels, maxLength: 6 * pixels }),
          async (keyBytes, images) => {
            const key = keyFromBytes(keyBytes);
            const derived = transformModel(plain.bytes, plain.card, key);
            const session = await ort.InferenceSession.create(derived.onnx, { intraOpNumThreads: 1 });
            try {
              const expected = await run(plain.session, images, size);
              const actual = await run(session, encryptAll(key, size, images), size);
              expect(maxAbsDiff(actual.logits, expected.logits)).toBeLessThanOrEqual(1e-4);
              expect(maxAbsDiff(actual.embedding, expected.embedding)).toBeLessThanOrEqual(1e-4);
              const classes = plain.card.classes.length;
              expect(argmaxRows(actual.logits, classes)).toEqual(argmaxRows(expected.logits, classes));
            } finally {
              await session.release();
            }
          },
        ),
        { numRuns: 4 },
      );
    });
  }

  it('gives a card bound to the key that a key check accepts, and refuses other keys', () => {
    const plain = plainModels[28]!;
    const key = generateKey();
    const { card } = transformModel(plain.bytes, plain.card, key);
    expect(card.id).toBe(`mnist-bitplane-mlp-plain-for-${key.fingerprint}`);
    expect(card.condition).toBe('arnold+xor');
    expect(card.keyFingerprint).toBe(key.fingerprint);
    expect(card.transformedFrom).toEqual({
      model: 'mnist-bitplane-mlp-plain',
      scheme: 'bitplane-v1',
      keyFingerprint: key.fingerprint,
    });
    expect(card.transformable).toBeUndefined();
    expect(() => checkModelKey(card, key)).not.toThrow();
    expect(() => checkModelKey(card, generateKey())).toThrow(/trained for key/);
  });

  it('refuses a model that is not transformable, and bytes that are not the card’s', async () => {
    const key = generateKey();
    for (const id of ['mnist-dcnn-plain', 'mnist-bitplane-mlp-arnoldplusxor']) {
      const card = await loadModelCard(join(models, `${id}.json`));
      const bytes = new Uint8Array(await readFile(join(models, card.onnx.file)));
      expect(() => transformModel(bytes, card, key)).toThrow(/is not transformable/);
    }
    const plain = plainModels[28]!;
    const tampered = plain.bytes.slice();
    tampered[tampered.length - 1] = tampered.at(-1)! ^ 1;
    expect(() => transformModel(tampered, plain.card, key)).toThrow(/do not match card/);
    const wrongInitializer = {
      ...plain.card,
      transformable: { ...plain.card.transformable!, nextWeight: 'nope' },
    };
    expect(() => transformModel(plain.bytes, wrongInitializer, key)).toThrow(/names initializer "nope"/);
  });
});

const dataDir = resolveDataDir();
const haveMnist = existsSync(join(dataDir, 'mnist'));

describe.skipIf(!haveMnist)(
  'access control: a transformed model is bound to its key (MNIST test images)',
  () => {
    it('is near chance on images of another key and on plain images, accurate on its own key', async () => {
      const plain = plainModels[28]!;
      const test = (await loadMnist(dataDir)).parts.test!;
      const count = 1000;
      const images = test.images.subarray(0, count * 784);
      const labels = Array.from(test.labels.subarray(0, count));
      const keyA = generateKey();
      const keyB = generateKey();
      const derived = transformModel(plain.bytes, plain.card, keyA);
      const session = await ort.InferenceSession.create(derived.onnx, { intraOpNumThreads: 1 });
      const accuracy = async (input: Uint8Array): Promise<number> => {
        const predicted = argmaxRows((await run(session, input, 28)).logits, 10);
        return predicted.filter((label, i) => label === labels[i]).length / count;
      };
      try {
        expect(await accuracy(encryptAll(keyA, 28, images))).toBeGreaterThan(0.97);
        expect(await accuracy(encryptAll(keyB, 28, images))).toBeLessThan(0.3);
        expect(await accuracy(images)).toBeLessThan(0.3);
      } finally {
        await session.release();
      }
    });
  },
);
