import { join } from 'node:path';
import { z } from 'zod';
import { CONDITIONS } from '../crypto/condition.js';
import { npyIntegers, readNpy } from '../datasets/npy.js';
import { CipherLensError } from '../errors.js';
import { readRegularText } from '../fs/read.js';
import { checkModelClasses, checkModelCondition, checkModelInputSize } from './compatibility.js';
import { createInferenceEngine, type InferenceEngine } from './engine.js';
import type { ModelFiles } from './model-files.js';
import type { ProviderPreference } from './providers.js';
import type { Logger } from './session.js';

/** The parts of an export's manifest.json (written by `cipherlens export-dataset`) that evaluation relies on. */
const manifestSchema = z.looseObject({
  format: z.literal('cipherlens-tensors'),
  version: z.literal(1),
  dataset: z.string(),
  classes: z.array(z.string()).min(2),
  imageSize: z.number().int().min(2),
  condition: z.enum(CONDITIONS),
  keyFingerprint: z.string().nullable(),
  arnoldParametersId: z.string().nullable(),
  splitSeed: z.number().int(),
  splits: z.record(z.string(), z.number().int().min(0)),
  files: z.record(z.string(), z.object({ images: z.string(), labels: z.string() })),
});
export type ExportManifest = z.infer<typeof manifestSchema>;

/** One split of an export: `count` encrypted N×N images end to end, and their class indices. */
export interface ExportedSplit {
  split: string;
  count: number;
  images: Uint8Array;
  labels: Int32Array;
}

export function exportCommandHint(dataset: string, condition: string): string {
  return `cipherlens export-dataset --dataset ${dataset} --condition ${condition}`;
}

export async function readExportManifest(dir: string, hint: string): Promise<ExportManifest> {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readRegularText(path, 16 * 1024 * 1024);
  } catch (error) {
    if (error instanceof CipherLensError && error.code !== 'NOT_FOUND') throw error;
    throw new CipherLensError(
      'NOT_FOUND',
      `no complete export in ${dir} (manifest.json missing): run \`${hint}\``,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CipherLensError('BAD_FORMAT', `${path} is not JSON: run \`${hint}\` again`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${path} is not a tensor export manifest:\n${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

export async function readExportedSplit(
  dir: string,
  manifest: ExportManifest,
  split: string,
): Promise<ExportedSplit> {
  const files = manifest.files[split];
  const expected = manifest.splits[split];
  if (!files || expected === undefined) {
    throw new CipherLensError(
      'BAD_INPUT',
      `export ${dir} has no split "${split}" (it has ${Object.keys(manifest.files).join(', ')})`,
    );
  }
  const images = await readNpy(join(dir, files.images));
  const labels = await readNpy(join(dir, files.labels));
  const size = manifest.imageSize;
  const shapeOk =
    images.dtype === '|u1' &&
    images.shape.length === 3 &&
    images.shape[0] === expected &&
    images.shape[1] === size &&
    images.shape[2] === size;
  if (!shapeOk) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${files.images} is ${images.dtype} (${images.shape.join(', ')}), expected |u1 (${expected}, ${size}, ${size})`,
    );
  }
  const classIndices = npyIntegers(labels);
  if (classIndices.length !== expected) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${files.labels} holds ${classIndices.length} labels, expected ${expected}`,
    );
  }
  for (const label of classIndices) {
    if (label < 0 || label >= manifest.classes.length) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `${files.labels} holds label ${label}, outside 0..${manifest.classes.length - 1}`,
      );
    }
  }
  return { split, count: expected, images: images.data, labels: classIndices };
}

/** The export must hold exactly the images the model was trained for: same condition, key, size, classes. */
export function checkExportMatchesModel(
  manifest: ExportManifest,
  model: ModelFiles,
  exportDir: string,
): void {
  const { card } = model;
  const what = `the export in ${exportDir}`;
  if (manifest.dataset !== card.dataset) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${card.id} is for dataset ${card.dataset}, ${what} is ${manifest.dataset}`,
    );
  }
  checkModelCondition(card, manifest.condition, `the images of ${what}`);
  if (manifest.keyFingerprint !== card.keyFingerprint) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${card.id} was trained for key ${card.keyFingerprint ?? 'none'}, ${what} was encrypted with key ${manifest.keyFingerprint ?? 'none'}`,
    );
  }
  if (card.arnoldParametersId !== null && manifest.arnoldParametersId !== card.arnoldParametersId) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${card.id} expects Arnold parameters ${card.arnoldParametersId}, ${what} used ${manifest.arnoldParametersId ?? 'none'}`,
    );
  }
  checkModelInputSize(card, manifest.imageSize, `the images of ${what}`);
  checkModelClasses(card, manifest.classes, what);
}

/** Settings of the inference engine that runs over an export. */
export interface ExportEngineSettings {
  provider?: ProviderPreference;
  threads?: number;
  batchSize?: number;
  log?: Logger;
}

/**
 * Reads an export's manifest, checks it belongs to the model, and starts an engine for its images. The key check
 * is off: export images are already encrypted, and the manifest's key fingerprint was just checked against the card.
 */
export async function openExportForModel(
  model: ModelFiles,
  exportDir: string,
  settings: ExportEngineSettings,
): Promise<{ manifest: ExportManifest; engine: InferenceEngine }> {
  const { card } = model;
  const manifest = await readExportManifest(exportDir, exportCommandHint(card.dataset, card.condition));
  checkExportMatchesModel(manifest, model, exportDir);
  const engine = await createInferenceEngine({
    model,
    checkKey: false,
    provider: settings.provider,
    threads: settings.threads,
    batchSize: settings.batchSize,
    log: settings.log,
  });
  return { manifest, engine };
}
