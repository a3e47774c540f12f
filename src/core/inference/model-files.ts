import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CipherLensError } from '../errors.js';
import { loadModelCard, type ModelCard } from './model-card.js';

/** Where shipped models live when running from the source tree; hosts that bundle the app pass their own. */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../../resources/models', import.meta.url));

export interface ModelFiles {
  card: ModelCard;
  /** For a transformed model: the plain model's card and ONNX file it was derived from. */
  cardPath: string;
  onnxPath: string;
  /** A transformed model's graph, derived for the active key and held in memory only (it is key material). */
  onnxBytes?: Uint8Array;
}

/**
 * `reference` is a model id (looked up in `modelsDir`), a card path (`.json`) or an ONNX path (`.onnx`, its
 * card beside it). The ONNX file is the one the card names, relative to the card.
 */
export async function resolveModel(reference: string, modelsDir = DEFAULT_MODELS_DIR): Promise<ModelFiles> {
  const extension = extname(reference).toLowerCase();
  let cardPath: string;
  if (extension === '.json') cardPath = resolve(reference);
  else if (extension === '.onnx')
    cardPath = resolve(dirname(reference), `${basename(reference, extname(reference))}.json`);
  else if (/[\\/]/.test(reference)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `model "${reference}": give a model id, a .json card or a .onnx file`,
    );
  } else cardPath = join(modelsDir, `${reference}.json`);

  const card = await loadModelCard(cardPath);
  const onnxPath = resolve(dirname(cardPath), card.onnx.file);
  if (extension === '.onnx' && onnxPath !== resolve(reference)) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `card ${cardPath} describes ${card.onnx.file}, not ${basename(reference)}: the model and its card do not belong together`,
    );
  }
  return { card, cardPath, onnxPath };
}

/** Every readable model card in `modelsDir`, sorted by id. A missing folder is an empty list. */
export async function listModels(modelsDir = DEFAULT_MODELS_DIR): Promise<ModelFiles[]> {
  let names: string[];
  try {
    names = await readdir(modelsDir);
  } catch {
    return [];
  }
  const models: ModelFiles[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    try {
      models.push(await resolveModel(join(modelsDir, name), modelsDir));
    } catch {
      // Other JSON files (training logs, reports) may sit beside the cards.
    }
  }
  return models.sort((a, b) => (a.card.id < b.card.id ? -1 : a.card.id > b.card.id ? 1 : 0));
}
