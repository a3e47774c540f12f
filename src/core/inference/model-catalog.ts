import { DEFAULT_CONDITION } from '../crypto/condition.js';
import type { CipherKey } from '../crypto/keys.js';
import { DEFAULT_ARCHITECTURE } from '../training/architectures.js';
import { CipherLensError } from '../errors.js';
import { isTransformable, parseTransformedModelId, transformModel } from './key-transform.js';
import { listModels, resolveModel, type ModelFiles } from './model-files.js';
import type { ModelCard } from './model-card.js';
import { readModelBytes } from './session.js';

/**
 * What a model reads, which is what the screen may claim about privacy:
 * - `trained-for-key`: trained on images encrypted with one key; runs only with that key.
 * - `transformed-for-key`: a plain bit-plane model rewritten for the active key; reads cipher images.
 * - `plain`: reads PLAIN images, so the app must decrypt before inference. Never chosen silently.
 */
export type ModelReads = 'trained-for-key' | 'transformed-for-key' | 'plain';

export function modelReads(card: ModelCard): ModelReads {
  if (card.condition === 'plain') return 'plain';
  return card.transformedFrom ? 'transformed-for-key' : 'trained-for-key';
}

/** One line for captions and CLI output, e.g. "encrypted with key 49a1… (transformed from mnist-bitplane-mlp-plain)". */
export function describeModelInput(card: ModelCard): string {
  switch (modelReads(card)) {
    case 'plain':
      return 'PLAIN images (the app decrypts them before inference)';
    case 'transformed-for-key':
      return `images encrypted (${card.condition}) with key ${card.keyFingerprint}; transformed from ${card.transformedFrom!.model} for that key`;
    case 'trained-for-key':
      return `images encrypted (${card.condition}) with key ${card.keyFingerprint}; trained for that key`;
  }
}

/** The plain model's graph rewritten for `key`, in memory only (docs/keys-and-models.md). */
export async function deriveTransformedModel(plain: ModelFiles, key: CipherKey): Promise<ModelFiles> {
  const bytes = await readModelBytes(plain.onnxPath, plain.card);
  const derived = transformModel(bytes, plain.card, key);
  return { card: derived.card, cardPath: plain.cardPath, onnxPath: plain.onnxPath, onnxBytes: derived.onnx };
}

/** Installed models from each folder (first folder wins on equal ids). */
export async function installedModels(dirs: readonly string[]): Promise<ModelFiles[]> {
  const seen = new Set<string>();
  const all: ModelFiles[] = [];
  for (const dir of dirs) {
    for (const model of await listModels(dir)) {
      if (!seen.has(model.card.id)) {
        seen.add(model.card.id);
        all.push(model);
      }
    }
  }
  return all;
}

/** The installed models plus, with a key, every transformable model derived for it. */
export async function modelsForKey(dirs: readonly string[], key: CipherKey | null): Promise<ModelFiles[]> {
  const installed = await installedModels(dirs);
  if (!key) return installed;
  const derived = await Promise.all(
    installed
      .filter((model) => isTransformable(model.card))
      .map((model) => deriveTransformedModel(model, key)),
  );
  return [...installed, ...derived];
}

/**
 * The model a key gets when nobody chose one: an encrypted model trained for the key, else one transformed for
 * it; the paper's method (Arnold+XOR DCNN) first, MedNIST before MNIST. Never a plain model: that would see
 * decrypted images while the screen says "encrypted".
 */
export function defaultModelForKey(
  models: readonly ModelFiles[],
  key: CipherKey | null,
  dataset?: string,
): ModelFiles | null {
  if (!key) return null;
  const usable = models.filter(
    (model) =>
      modelReads(model.card) !== 'plain' &&
      model.card.keyFingerprint === key.fingerprint &&
      (dataset === undefined || model.card.dataset === dataset),
  );
  return preferredModel(usable);
}

/**
 * The one ranking of models when several would do (lower is better): encrypted before plain, trained for the key
 * before transformed for it, the default condition (the paper's scheme), the paper's architecture, then MedNIST's
 * 64×64 images. The app's and CLI's default model and the inference benchmark all choose by it.
 */
export function modelPreference(card: ModelCard): number {
  const reads = modelReads(card);
  return (
    (reads === 'trained-for-key' ? 0 : reads === 'transformed-for-key' ? 8 : 16) +
    (card.condition === DEFAULT_CONDITION ? 0 : 4) +
    (card.architecture === DEFAULT_ARCHITECTURE ? 0 : 2) +
    (card.dataset === 'mednist' ? 0 : 1)
  );
}

/** The most preferred of `models` (the first among equals), or null for none. */
export function preferredModel<T extends { card: ModelCard }>(models: readonly T[]): T | null {
  return [...models].sort((a, b) => modelPreference(a.card) - modelPreference(b.card))[0] ?? null;
}

/**
 * A model id, card or ONNX path, or the id of a transformed model (`<plain id>-for-<fingerprint>`), which is
 * derived again from its plain model with `key` (it is never stored).
 */
export async function resolveModelReference(
  reference: string,
  dirs: readonly string[],
  key: CipherKey | null,
): Promise<ModelFiles> {
  const transformed = parseTransformedModelId(reference);
  if (transformed && !(await installedModels(dirs)).some((model) => model.card.id === reference)) {
    const { plainId, fingerprint } = transformed;
    if (!key || key.fingerprint !== fingerprint) {
      throw new CipherLensError(
        'MODEL_MISMATCH',
        `model ${reference} is the transform of ${plainId} for key ${fingerprint}; ${key ? `the key given is ${key.fingerprint}` : 'no key was given'}`,
      );
    }
    const plain = (await installedModels(dirs)).find((model) => model.card.id === plainId);
    if (!plain)
      throw new CipherLensError('NOT_FOUND', `no model "${plainId}" to transform among the installed models`);
    return deriveTransformedModel(plain, key);
  }
  if (/[\\/]|\.(json|onnx)$/i.test(reference)) return resolveModel(reference);
  const found = (await installedModels(dirs)).find((model) => model.card.id === reference);
  if (!found) throw new CipherLensError('NOT_FOUND', `no model "${reference}" among the installed models`);
  return found;
}

/** Why no model can serve `key` for `dataset`, with the way out. */
export function noModelForKeyError(key: CipherKey | null, dataset: string | undefined): CipherLensError {
  const what = dataset ? `${dataset} ` : '';
  return new CipherLensError(
    'NOT_FOUND',
    key
      ? `no ${what}model reads images encrypted with key ${key.fingerprint}: none was trained for it and no ` +
          `transformable plain model is installed to derive one. Train one (cipherlens train) or choose a plain ` +
          `model explicitly (it sees decrypted images)`
      : `no key is active, and only plain models could run (they see decrypted images): generate or select a key`,
  );
}
