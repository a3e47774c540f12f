import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, loadKeyFile, type CipherKey } from '../../../src/core/crypto/keys.js';
import {
  checkModelClasses,
  checkModelCondition,
  checkModelInputSize,
  checkModelKey,
} from '../../../src/core/inference/compatibility.js';
import { loadModelCard, parseModelCard, type ModelCard } from '../../../src/core/inference/model-card.js';
import { listModels, resolveModel } from '../../../src/core/inference/model-files.js';
import { encryptForModel } from '../../../src/core/inference/model-input.js';
import { createImageCipher } from '../../../src/core/crypto/cipher.js';

const fixtures = fileURLToPath(new URL('../../fixtures', import.meta.url));
const demoKeyPath = fileURLToPath(new URL('../../../resources/keys/demo.key', import.meta.url));
let card: ModelCard;
let demoKey: CipherKey;
let rawCard: Record<string, unknown>;
const dirs: string[] = [];

beforeAll(async () => {
  card = await loadModelCard(join(fixtures, 'tiny-inference-model.json'));
  rawCard = JSON.parse(await readFile(join(fixtures, 'tiny-inference-model.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  demoKey = await loadKeyFile(demoKeyPath);
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('model card schema', () => {
  it('accepts the fixture card', () => {
    expect(card.id).toBe('tiny-inference-model');
    expect(card.classes).toEqual(['dark', 'bright']);
    expect(card.keyFingerprint).toBe(demoKey.fingerprint);
  });

  it('names the field that is wrong', () => {
    const { classes: _classes, ...withoutClasses } = rawCard;
    expect(() => parseModelCard(withoutClasses, 'card x')).toThrow(
      /card x is not a valid CipherLens model card[\s\S]*classes/,
    );
    expect(() => parseModelCard({ ...rawCard, embeddingDim: 256 })).toThrow(/embeddingDim/);
    expect(() => parseModelCard({ ...rawCard, format: 'other' })).toThrow(/format/);
    expect(() => parseModelCard({ ...rawCard, classes: ['a', 'a'] })).toThrow(/unique/);
  });

  it('ties the key fingerprint to the condition', () => {
    expect(() => parseModelCard({ ...rawCard, keyFingerprint: null })).toThrow(/needs the fingerprint/);
    expect(() => parseModelCard({ ...rawCard, condition: 'plain' })).toThrow(/plain model has no key/);
    expect(
      parseModelCard({ ...rawCard, condition: 'plain', keyFingerprint: null, arnoldParametersId: null })
        .condition,
    ).toBe('plain');
  });

  it('reports unreadable and non-JSON cards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cl-card-'));
    dirs.push(dir);
    await writeFile(join(dir, 'bad.json'), '{nope');
    await expect(loadModelCard(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'BAD_FORMAT' });
    await expect(loadModelCard(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('model and key compatibility', () => {
  it('refuses a key the model was not trained for, naming both fingerprints', () => {
    const other = generateKey('other');
    expect(() => checkModelKey(card, other)).toThrow(
      `model tiny-inference-model was trained for key b574d9e46e54e965, active key is ${other.fingerprint}`,
    );
    try {
      checkModelKey(card, other);
    } catch (error) {
      expect(error).toMatchObject({ code: 'MODEL_MISMATCH' });
    }
    expect(() => checkModelKey(card, null)).toThrow(/no key is active/);
    expect(() => checkModelKey(card, demoKey)).not.toThrow();
  });

  it('needs no key for a plain model', () => {
    const plain = parseModelCard({
      ...rawCard,
      condition: 'plain',
      keyFingerprint: null,
      arnoldParametersId: null,
    });
    expect(() => checkModelKey(plain, null)).not.toThrow();
    expect(() => checkModelKey(plain, generateKey())).not.toThrow();
    const image = new Uint8Array(256).map((_, i) => i);
    expect(encryptForModel(plain, null, [image])).toEqual(image);
  });

  it('detects Arnold parameters that changed since training', () => {
    const stale = parseModelCard({ ...rawCard, arnoldParametersId: '0000000000000000' });
    expect(() => checkModelKey(stale, demoKey)).toThrow(/Arnold parameters 0000000000000000/);
  });

  it('checks size, classes and condition of the data against the card', () => {
    expect(() => checkModelInputSize(card, 28)).toThrow(
      'images are 28×28, model tiny-inference-model takes 16×16',
    );
    expect(() => checkModelClasses(card, ['bright', 'dark'])).toThrow(/predicts \[dark, bright\]/);
    expect(() => checkModelCondition(card, 'xor')).toThrow(/trained on arnold images but the images are xor/);
    expect(() => checkModelClasses(card, ['dark', 'bright'])).not.toThrow();
  });
});

describe('model input', () => {
  it('encrypts plain images with the card condition and the key, through the one cipher', () => {
    const images = [new Uint8Array(256).fill(7), new Uint8Array(256).map((_, i) => i)];
    const batch = encryptForModel(card, demoKey, images);
    const cipher = createImageCipher(demoKey, 'arnold', 16);
    expect(batch.subarray(256)).toEqual(cipher.encrypt(images[1]!));
    expect(batch.subarray(0, 256)).toEqual(images[0]);
    expect(() => encryptForModel(card, demoKey, [new Uint8Array(100)])).toThrow(/image 0 has 100 pixels/);
    expect(() =>
      encryptForModel(card, demoKey, [{ pixels: new Uint8Array(400), width: 20, height: 20 }]),
    ).toThrow(/image 0 is 20×20; model tiny-inference-model takes 16×16/);
    expect(() => encryptForModel(card, generateKey(), images)).toThrow(/was trained for key/);
  });
});

describe('model files', () => {
  it('resolves an id, a card path or an ONNX path to the same model', async () => {
    const byId = await resolveModel('tiny-inference-model', fixtures);
    const byCard = await resolveModel(join(fixtures, 'tiny-inference-model.json'));
    const byOnnx = await resolveModel(join(fixtures, 'tiny-inference-model.onnx'));
    expect(byCard.onnxPath).toBe(byId.onnxPath);
    expect(byOnnx.cardPath).toBe(byId.cardPath);
    await expect(resolveModel('missing-model', fixtures)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(resolveModel('some/dir', fixtures)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('lists the models in a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cl-models-'));
    dirs.push(dir);
    await copyFile(join(fixtures, 'tiny-inference-model.onnx'), join(dir, 'tiny-inference-model.onnx'));
    await writeFile(join(dir, 'tiny-inference-model.json'), JSON.stringify(rawCard));
    await writeFile(join(dir, 'notes.json'), '{"not": "a card"}');
    expect((await listModels(dir)).map((m) => m.card.id)).toEqual(['tiny-inference-model']);
    expect(await listModels(join(dir, 'absent'))).toEqual([]);
  });
});
