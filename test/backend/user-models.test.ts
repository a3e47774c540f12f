import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { FIXTURES, REPO, serviceCalls, startTestService } from './harness.js';

/**
 * Models of the user's own: imported (upload or path) into <stateDir>/models after every check, listed beside the
 * shipped models with where each comes from.
 */
let service: AppService;
let stateDir: string;
let userDir: string;
let onnx: Buffer;
let cardText: string;
const { call, rejection } = serviceCalls(() => service);

const card = (): Record<string, unknown> => JSON.parse(cardText) as Record<string, unknown>;
const upload = (text: string, bytes: Uint8Array = onnx, replace?: boolean) => ({
  source: {
    kind: 'upload' as const,
    onnxName: 'model.onnx',
    onnxBase64: Buffer.from(bytes).toString('base64'),
    cardText: text,
  },
  ...(replace !== undefined && { replace }),
});
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const userFiles = async (): Promise<string[]> => (await readdir(userDir).catch(() => [])).sort();

beforeAll(async () => {
  stateDir = join(await temporaryFolder('cipherlens-user-models-'), 'state');
  service = await startTestService({ stateDir });
  userDir = join(stateDir, 'models');
  onnx = await readFile(join(FIXTURES, 'tiny-model.onnx'));
  cardText = await readFile(join(FIXTURES, 'tiny-model.json'), 'utf8');
});
afterAll(async () => {
  await service.close();
});

describe('importing a model of the user’s own', () => {
  it('refuses a card that is not JSON, and one that is not a model card, naming the problem', async () => {
    const notJson = await rejection('modelsImport', upload('{ "id": '));
    expect(notJson.code).toBe('BAD_FORMAT');
    expect(notJson.message).toMatch(/not JSON/);
    const { classes: _classes, ...withoutClasses } = card();
    const invalid = await rejection('modelsImport', upload(JSON.stringify(withoutClasses)));
    expect(invalid.code).toBe('BAD_FORMAT');
    expect(invalid.message).toMatch(/not a valid CipherLens model card/);
    expect(invalid.message).toMatch(/classes/);
    expect(await userFiles()).toEqual([]);
  });

  it('refuses an ONNX file whose SHA-256 is not the card’s', async () => {
    const other = await readFile(join(FIXTURES, 'tiny-inference-model.onnx'));
    const error = await rejection('modelsImport', upload(cardText, other));
    expect(error.code).toBe('INTEGRITY');
    expect(error.message).toMatch(/does not belong to card tiny-model/);
    expect(await userFiles()).toEqual([]);
  });

  it('refuses bytes that are not an ONNX graph, and a graph that does not keep the card’s contract', async () => {
    const junk = new TextEncoder().encode('definitely not a protobuf graph');
    const junkCard = { ...card(), onnx: { ...(card().onnx as object), sha256: sha256(junk) } };
    const notOnnx = await rejection('modelsImport', upload(JSON.stringify(junkCard), junk));
    expect(notOnnx.code).toBe('BAD_FORMAT');
    expect(notOnnx.message).toMatch(/not an ONNX model that ONNX Runtime can open/);
    const wrongSize = await rejection('modelsImport', upload(JSON.stringify({ ...card(), inputSize: 9 })));
    expect(wrongSize.code).toBe('MODEL_MISMATCH');
    expect(wrongSize.message).toMatch(
      /"image" is uint8 \[batch, 1, 8, 8\], expected uint8 \[batch, 1, 9, 9\]/,
    );
    expect(await userFiles()).toEqual([]);
  });

  it('refuses the ids of transformed models and cards that claim to be transformed', async () => {
    const reserved = await rejection(
      'modelsImport',
      upload(JSON.stringify({ ...card(), id: 'tiny-model-for-0123456789abcdef' })),
    );
    expect(reserved.code).toBe('BAD_INPUT');
    expect(reserved.message).toMatch(/reserved for models transformed/);
    const transformed = await rejection(
      'modelsImport',
      upload(
        JSON.stringify({
          ...card(),
          id: 'sneaky',
          transformedFrom: { model: 'tiny-plain', scheme: 'bitplane-v1', keyFingerprint: 'b574d9e46e54e965' },
        }),
      ),
    );
    expect(transformed.code).toBe('BAD_INPUT');
    expect(transformed.message).toMatch(/derived in memory for the active key and never stored/);
    expect(await userFiles()).toEqual([]);
  });

  it('refuses the id of a shipped model', async () => {
    const shippedOnnx = await readFile(join(FIXTURES, 'tiny-inference-model.onnx'));
    const shippedCard = await readFile(join(FIXTURES, 'tiny-inference-model.json'), 'utf8');
    const error = await rejection('modelsImport', upload(shippedCard, shippedOnnx, true));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/"tiny-inference-model" is taken by a model shipped with CipherLens/);
    expect(await userFiles()).toEqual([]);
  });

  it('imports a good upload into the state folder and lists it beside the shipped model, saying which is which', async () => {
    const { model, replaced } = await call('modelsImport', upload(cardText));
    expect(replaced).toBe(false);
    expect(model).toMatchObject({
      id: 'tiny-model',
      source: 'user',
      reads: 'trained-for-key',
      keyFingerprint: 'b574d9e46e54e965',
      compatible: true,
    });
    expect(await userFiles()).toEqual(['tiny-model.json', 'tiny-model.onnx']);
    expect(sha256(await readFile(join(userDir, 'tiny-model.onnx')))).toBe(sha256(onnx));
    const stored = JSON.parse(await readFile(join(userDir, 'tiny-model.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(stored).toEqual(card());

    const list = await call('modelsList');
    const sources = Object.fromEntries(list.models.map((m) => [m.id, m.source]));
    expect(sources).toEqual({ 'tiny-inference-model': 'shipped', 'tiny-model': 'user' });
    // Nobody chose a model yet: the key's default rule now prefers the user's Arnold+XOR model over the shipped
    // Arnold-only one, exactly as it would a shipped one.
    expect(list.activeId).toBe('tiny-model');
    const selected = await call('modelsSelect', { id: 'tiny-model' });
    expect(selected.active).toMatchObject({ id: 'tiny-model', source: 'user', compatible: true });
  });

  it('refuses to overwrite the user’s model of the same id unless asked to replace it', async () => {
    const before = await readFile(join(userDir, 'tiny-model.json'), 'utf8');
    const changed = JSON.stringify({ ...card(), createdAt: '2030-01-01T00:00:00Z' });
    const error = await rejection('modelsImport', upload(changed));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/you already have a model "tiny-model".*nothing was changed.*replace/s);
    expect(await readFile(join(userDir, 'tiny-model.json'), 'utf8')).toBe(before);

    const { replaced, model } = await call('modelsImport', upload(changed, onnx, true));
    expect(replaced).toBe(true);
    expect(model.id).toBe('tiny-model');
    const stored = JSON.parse(await readFile(join(userDir, 'tiny-model.json'), 'utf8')) as {
      createdAt: string;
    };
    expect(stored.createdAt).toBe('2030-01-01T00:00:00Z');
    expect(await userFiles()).toEqual(['tiny-model.json', 'tiny-model.onnx']);
  });

  it('imports by path (Electron dialogs): the card beside the ONNX file, stored under the card’s id', async () => {
    const picked = await temporaryFolder('cipherlens-picked-');
    const plainId = 'mednist-bitplane-mlp-plain';
    // A file name unlike the id: the stored files are named by the card's id, and the card names its ONNX file.
    await copyFile(join(REPO, 'resources', 'models', `${plainId}.onnx`), join(picked, 'downloaded.onnx'));
    await copyFile(join(REPO, 'resources', 'models', `${plainId}.json`), join(picked, 'downloaded.json'));
    const alone = join(picked, 'alone.onnx');
    await writeFile(alone, onnx);
    const missingCard = await rejection('modelsImport', { source: { kind: 'path', onnxPath: alone } });
    expect(missingCard.code).toBe('NOT_FOUND');
    expect(missingCard.message).toMatch(/alone\.json/);
    const cardAsOnnx = await rejection('modelsImport', {
      source: { kind: 'path', onnxPath: join(picked, 'downloaded.json') },
    });
    expect(cardAsOnnx.message).toMatch(/choose the model's \.onnx file/);

    const { model } = await call('modelsImport', {
      source: { kind: 'path', onnxPath: join(picked, 'downloaded.onnx') },
    });
    expect(model).toMatchObject({ id: plainId, source: 'user', reads: 'plain', transformable: true });
    expect(await userFiles()).toContain(`${plainId}.onnx`);
    const stored = JSON.parse(await readFile(join(userDir, `${plainId}.json`), 'utf8')) as {
      onnx: { file: string };
    };
    expect(stored.onnx.file).toBe(`${plainId}.onnx`);

    // A user's transformable plain model is transformed for the active key like a shipped one, in memory only.
    const list = await call('modelsList');
    const derived = list.models.find((m) => m.transformedFrom === plainId);
    expect(derived).toMatchObject({
      id: `${plainId}-for-b574d9e46e54e965`,
      source: 'derived',
      reads: 'transformed-for-key',
    });
    expect((await userFiles()).filter((name) => name.includes('-for-'))).toEqual([]);
  });
});
