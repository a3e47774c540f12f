import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { CipherLensError, describeError, isCipherLensError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs/atomic.js';
import { readRegularFile } from '../core/fs/read.js';
import { createInferenceEngine } from '../core/inference/engine.js';
import { parseTransformedModelId } from '../core/inference/key-transform.js';
import { installedModels } from '../core/inference/model-catalog.js';
import { parseModelCard, type ModelCard } from '../core/inference/model-card.js';
import { listModels, resolveModel, type ModelFiles } from '../core/inference/model-files.js';
import { MAX_MODEL_CARD_CHARS, type ModelsImportRequestSchema } from '../shared/user-models.js';
import type { EngineFactory } from './models.js';

/** Largest ONNX file imported from a path (uploads are limited to MAX_UPLOAD_BYTES by the API). */
export const MAX_MODEL_FILE_BYTES = 512 * 1024 * 1024;

/** An ONNX file and its card, read into memory, before anything is checked. */
export interface ModelImportInput {
  onnx: Uint8Array;
  cardText: string;
  /** How to name the files in messages. */
  onnxName: string;
  cardName: string;
}

type ImportSource = z.output<typeof ModelsImportRequestSchema>['source'];

/** A model file named by a request: a regular file within `limit` (the shared reader, fs/read.ts). */
async function readModelFile(path: string, limit: number, what: string): Promise<Buffer> {
  return readRegularFile(path, limit, { what: `${what} ${path}`, tooLargeCode: 'BAD_INPUT' });
}

/** The request's files: by path (the card defaults to `<name>.json` beside the ONNX file) or uploaded. */
export async function readImportSource(source: ImportSource): Promise<ModelImportInput> {
  if (source.kind === 'upload') {
    return {
      onnx: Buffer.from(source.onnxBase64, 'base64'),
      cardText: source.cardText,
      onnxName: source.onnxName,
      cardName: 'the uploaded model card',
    };
  }
  const onnxPath = resolve(source.onnxPath);
  if (extname(onnxPath).toLowerCase() === '.json') {
    throw new CipherLensError(
      'BAD_INPUT',
      `${onnxPath} is a card: choose the model's .onnx file (its .json card beside it, or both files)`,
    );
  }
  const cardPath = resolve(
    source.cardPath ?? join(dirname(onnxPath), `${basename(onnxPath, extname(onnxPath))}.json`),
  );
  const onnx = await readModelFile(onnxPath, MAX_MODEL_FILE_BYTES, 'model file');
  const cardBytes = await readModelFile(cardPath, MAX_MODEL_CARD_CHARS, 'model card');
  return { onnx, cardText: cardBytes.toString('utf8'), onnxName: onnxPath, cardName: cardPath };
}

export interface InstallOptions {
  /** The user's models folder, where the files are written. */
  userModelsDir: string;
  /** Folders of shipped models: their ids can never be taken. */
  shippedDirs: readonly string[];
  /** Overwrite a user model with the same id. */
  replace: boolean;
  /** Opens the ONNX graph to check it (the host's engine: a worker thread, or Electron's utility process). */
  createEngine?: EngineFactory;
}

export interface InstalledModel {
  model: ModelFiles;
  replaced: boolean;
}

function parseCardText(input: ModelImportInput): { raw: Record<string, unknown>; card: ModelCard } {
  let raw: unknown;
  try {
    raw = JSON.parse(input.cardText);
  } catch (error) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${input.cardName} is not JSON (${describeError(error)}): a model card is the .json file the trainer writes beside the .onnx file`,
    );
  }
  const card = parseModelCard(raw, input.cardName);
  return { raw: raw as Record<string, unknown>, card };
}

/** What may never be stored as a user model, whatever its files say. */
function refuseReserved(card: ModelCard, input: ModelImportInput): void {
  if (card.transformedFrom) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${input.cardName} describes a model transformed from ${card.transformedFrom.model} for key ${card.transformedFrom.keyFingerprint}. ` +
        'Transformed models are derived in memory for the active key and never stored (the graph is key material): ' +
        `import the plain model ${card.transformedFrom.model} instead, and every key gets its own transformed version`,
    );
  }
  const transformed = parseTransformedModelId(card.id);
  if (transformed) {
    throw new CipherLensError(
      'BAD_INPUT',
      `model id "${card.id}" ends in "-for-${transformed.fingerprint}", which is reserved for models transformed ` +
        'in memory for a key: give the model another id (the "id" field of its card)',
    );
  }
}

function checkDigest(card: ModelCard, input: ModelImportInput): void {
  const digest = createHash('sha256').update(input.onnx).digest('hex');
  if (digest !== card.onnx.sha256) {
    throw new CipherLensError(
      'INTEGRITY',
      `${input.onnxName} does not belong to card ${card.id}: its SHA-256 is ${digest.slice(0, 12)}…, the card says ` +
        `${card.onnx.sha256.slice(0, 12)}… (a different or damaged file)`,
    );
  }
}

/** Opens the graph in ONNX Runtime and checks the card's contract (uint8 image in; logits, embedding out). */
async function checkGraph(
  card: ModelCard,
  input: ModelImportInput,
  createEngine: EngineFactory,
): Promise<void> {
  const engine = await createEngine({
    model: { card, cardPath: input.cardName, onnxPath: input.onnxName, onnxBytes: input.onnx },
    checkKey: false,
    provider: 'cpu',
    threads: 1,
  }).catch((error: unknown) => {
    if (isCipherLensError(error) && (error.code === 'MODEL_MISMATCH' || error.code === 'INTEGRITY')) {
      throw new CipherLensError(error.code, `${input.onnxName} does not match its card: ${error.message}`, {
        cause: error,
      });
    }
    throw new CipherLensError(
      'BAD_FORMAT',
      `${input.onnxName} is not an ONNX model that ONNX Runtime can open: ${describeError(error)}`,
      { cause: error },
    );
  });
  await engine.close();
}

const locks = new Map<string, Promise<unknown>>();

/** One install at a time per folder: two imports of the same id must not interleave their writes. */
async function serialised<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(dir) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  locks.set(dir, settled);
  try {
    return await next;
  } finally {
    if (locks.get(dir) === settled) locks.delete(dir);
  }
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Validates a model (card schema, reserved ids and `transformedFrom`, SHA-256, ONNX graph and contract) and writes
 * `<id>.onnx` then `<id>.json` atomically into the user's models folder; the card, written last, makes it listed.
 * Refuses a shipped model's id, and a user model's id unless `replace`.
 */
export async function installUserModel(
  input: ModelImportInput,
  options: InstallOptions,
): Promise<InstalledModel> {
  const { raw, card } = parseCardText(input);
  refuseReserved(card, input);
  checkDigest(card, input);
  const dir = resolve(options.userModelsDir);
  const shippedDirs = options.shippedDirs.filter((d) => resolve(d) !== dir);
  const shipped = (await installedModels(shippedDirs)).find((model) => model.card.id === card.id);
  if (shipped) {
    throw new CipherLensError(
      'BAD_INPUT',
      `model id "${card.id}" is taken by a model shipped with CipherLens (${shipped.cardPath}): ` +
        'give yours another id (the "id" field of its card; the ONNX file is unchanged by that)',
    );
  }
  await checkGraph(card, input, options.createEngine ?? createInferenceEngine);

  return serialised(dir, async () => {
    const target = { card: join(dir, `${card.id}.json`), onnx: join(dir, `${card.id}.onnx`) };
    const mine = await listModels(dir);
    const existing = mine.find((model) => model.card.id === card.id);
    if (existing && !options.replace) {
      throw new CipherLensError(
        'BAD_INPUT',
        `you already have a model "${card.id}" (${existing.cardPath}): nothing was changed. ` +
          'Import it again with "replace" (Settings → Models: "Replace my model with the same id") to overwrite it',
      );
    }
    const sharing = mine.find(
      (model) => model.card.id !== card.id && resolve(model.onnxPath) === target.onnx,
    );
    if (sharing) {
      throw new CipherLensError(
        'BAD_INPUT',
        `${target.onnx} is the ONNX file of your model "${sharing.card.id}": give the new model another id`,
      );
    }
    if (!existing && !options.replace && (await exists(target.card))) {
      throw new CipherLensError(
        'BAD_INPUT',
        `${target.card} already exists and is not a readable model card: remove it, or import with "replace"`,
      );
    }
    if (existing) {
      // The old card goes first: at no moment is a card listed whose ONNX file is not the one it describes.
      await rm(existing.cardPath, { force: true });
    }
    await writeFileAtomic(target.onnx, input.onnx);
    const stored = {
      ...raw,
      onnx: { ...(raw.onnx as Record<string, unknown>), file: basename(target.onnx) },
    };
    await writeFileAtomic(target.card, `${JSON.stringify(stored, null, 2)}\n`);
    if (
      existing &&
      resolve(existing.onnxPath) !== target.onnx &&
      dirname(resolve(existing.onnxPath)) === dir
    ) {
      await rm(existing.onnxPath, { force: true });
    }
    return { model: await resolveModel(target.card), replaced: existing !== undefined };
  });
}
