import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import type { OperationResponse } from '../../src/shared/operations.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { base64, brightnessPng, REPO, serviceCalls, startTestService } from './harness.js';

/**
 * The back end with only the shipped plain models (MNIST plain DCNN and the transformable MNIST bit-plane model):
 * no model was trained for any key, so everything encrypted must come from the key transform.
 */
let service: AppService;
let modelsDir: string;
const { call } = serviceCalls(() => service);

beforeAll(async () => {
  modelsDir = join(await temporaryFolder('cipherlens-transformed-'), 'models');
  await mkdir(modelsDir);
  for (const id of ['mnist-bitplane-mlp-plain', 'mnist-dcnn-plain']) {
    for (const extension of ['json', 'onnx'])
      await copyFile(
        join(REPO, 'resources', 'models', `${id}.${extension}`),
        join(modelsDir, `${id}.${extension}`),
      );
  }
  service = await startTestService({ modelsDirs: [modelsDir] });
});
afterAll(async () => {
  await service.close();
});

describe('a new key gets transformed models at once, and plain models only by explicit choice', () => {
  it('lists the demo key’s transformed model and makes it active, never a plain one', async () => {
    const models = await call('modelsList');
    const transformed = models.models.find((m) => m.reads === 'transformed-for-key')!;
    expect(transformed).toMatchObject({
      id: 'mnist-bitplane-mlp-plain-for-b574d9e46e54e965',
      transformedFrom: 'mnist-bitplane-mlp-plain',
      keyFingerprint: 'b574d9e46e54e965',
      condition: 'arnold+xor',
      compatible: true,
    });
    expect(transformed.name).toBe('MNIST bit-plane (transformed for b574…)');
    expect(models.activeId).toBe(transformed.id);
    expect(
      models.models
        .filter((m) => m.reads === 'plain')
        .map((m) => m.id)
        .sort(),
    ).toEqual(['mnist-bitplane-mlp-plain', 'mnist-dcnn-plain']);
  });

  it('derives the transformed model for a generated key and classifies with it, encrypted input', async () => {
    const files = [];
    for (let n = 0; n < 3; n++)
      files.push({ name: `img-${n}.png`, dataBase64: base64(await brightnessPng(60 + n * 70, n, 28)) });
    const generated = await call('keysGenerate', { label: 'mine', activate: true });
    const models = await call('modelsList');
    expect(models.activeId).toBe(`mnist-bitplane-mlp-plain-for-${generated.fingerprint}`);
    expect(models.models.some((m) => m.id.endsWith('-for-b574d9e46e54e965'))).toBe(false);
    const imported = await call('importUpload', { files });
    expect(imported.imported).toHaveLength(3);
    const id = imported.imported[0]!;

    const encrypted = await call('classifyImage', { source: { kind: 'item', id }, topK: 10 });
    expect(encrypted.run).toMatchObject({
      modelId: `mnist-bitplane-mlp-plain-for-${generated.fingerprint}`,
      input: 'encrypted',
    });

    // The plain model, chosen explicitly, sees the decrypted image and must give the same answer.
    await call('modelsSelect', { id: 'mnist-bitplane-mlp-plain' });
    const plain = await call('classifyImage', { source: { kind: 'item', id }, topK: 10 });
    expect(plain.run).toMatchObject({ modelId: 'mnist-bitplane-mlp-plain', input: 'decrypted' });
    expect(plain.modelInput).not.toBe(encrypted.modelInput);
    for (const [i, prediction] of plain.predictions.entries()) {
      expect(encrypted.predictions[i]!.label).toBe(prediction.label);
      expect(Math.abs(encrypted.predictions[i]!.probability - prediction.probability)).toBeLessThan(1e-5);
    }

    // Another new key: the explicit plain choice stays (the person made it), with its warning fields.
    const second = await call('keysGenerate', { label: 'second', activate: true });
    const after = await call('modelsList');
    expect(after.activeId).toBe('mnist-bitplane-mlp-plain');
    expect(after.models.find((m) => m.id === after.activeId)!.reads).toBe('plain');

    // Pickers list the active key's images first: the ones the active model can read.
    const late = await call('importUpload', {
      files: [{ name: 'late.png', dataBase64: base64(await brightnessPng(90, 9, 28)) }],
    });
    const stored = await call('libraryList', { limit: 10 });
    expect(stored.items.at(-1)!.id).toBe(late.imported[0]);
    const picker = await call('libraryList', { limit: 10, activeKeyFirst: true });
    expect(picker.items[0]!).toMatchObject({ id: late.imported[0], keyFingerprint: second.fingerprint });
    expect(picker.items.slice(1).every((item) => item.keyFingerprint === generated.fingerprint)).toBe(true);
  });

  it('never writes a transformed model to disk', async () => {
    const names = await readdir(modelsDir);
    expect(names.sort()).toEqual([
      'mnist-bitplane-mlp-plain.json',
      'mnist-bitplane-mlp-plain.onnx',
      'mnist-dcnn-plain.json',
      'mnist-dcnn-plain.onnx',
    ]);
    const state = await readdir(service.context.options.stateDir, { recursive: true });
    expect(state.filter((name) => String(name).endsWith('.onnx'))).toEqual([]);
  });
});

describe('a transformable model that cannot be transformed', () => {
  it('is logged and left out; the other models stay listed', async () => {
    const dir = join(await temporaryFolder('cipherlens-broken-'), 'models');
    await mkdir(dir);
    for (const extension of ['json', 'onnx'])
      await copyFile(
        join(REPO, 'resources', 'models', `mnist-bitplane-mlp-plain.${extension}`),
        join(dir, `mnist-bitplane-mlp-plain.${extension}`),
      );
    const card = JSON.parse(await readFile(join(dir, 'mnist-bitplane-mlp-plain.json'), 'utf8')) as {
      transformable: Record<string, string>;
    };
    await writeFile(
      join(dir, 'broken.json'),
      JSON.stringify({ ...card, id: 'broken', transformable: { ...card.transformable, nextWeight: 'nope' } }),
    );
    const logged: string[] = [];
    const broken = await startTestService({ modelsDirs: [dir], log: (line) => logged.push(line) });
    try {
      const models = await broken.call('modelsList', {});
      const ids = (models as OperationResponse<'modelsList'>).models.map((m) => m.id);
      expect(ids).toContain('mnist-bitplane-mlp-plain-for-b574d9e46e54e965');
      expect(ids).toContain('broken');
      expect(ids.some((id) => id.startsWith('broken-for-'))).toBe(false);
      expect(logged.join('\n')).toMatch(/cannot transform broken for key b574d9e46e54e965: .*"nope"/);
    } finally {
      await broken.close();
    }
  });
});
