import { join } from 'node:path';
import { defaultStateDir, userModelsDirOf } from '../../backend/state-dir.js';
import type { CipherKey } from '../../core/crypto/keys.js';
import { PACKAGE_ROOT } from '../../core/datasets/data-dir.js';
import { CipherLensError } from '../../core/errors.js';
import type { FitMode } from '../../core/image/decode.js';
import type { ModelCard } from '../../core/inference/model-card.js';
import { parseTransformedModelId } from '../../core/inference/key-transform.js';
import {
  defaultModelForKey,
  modelReads,
  modelsForKey,
  noModelForKeyError,
  resolveModelReference,
} from '../../core/inference/model-catalog.js';
import { DEFAULT_MODELS_DIR, type ModelFiles } from '../../core/inference/model-files.js';
import { parseProviderPreference, type ProviderPreference } from '../../core/inference/providers.js';
import { loadKeyOption, parseIntegerOption, passphraseOptions, warnIfDemoKey } from '../crypto-options.js';

/** Options shared by classify, index and evaluate: which model, which key, how to run it. */
export const DEFAULT_KEY_PATH = join(PACKAGE_ROOT, 'resources', 'keys', 'demo.key');
export const DEFAULT_DATASET = 'mednist';

export const modelOptions = {
  model: { type: 'string' },
  dataset: { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  batch: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const keyOptions = { key: { type: 'string' }, ...passphraseOptions } as const;

export const MODEL_OPTIONS_HELP = `  --model ID|PATH      model id in resources/models, a card (.json) or an ONNX file (.onnx beside its card),
                       or <plain id>-for-<key fingerprint> (a plain bit-plane model transformed for --key)
                       (default: for the key, a model trained for it — Arnold+XOR DCNN preferred — else
                       the shipped bit-plane model of --dataset transformed for it: any key works, no
                       training; a plain model is used only when named, and then sees decrypted images)
  --dataset NAME       mednist | mnist (default ${DEFAULT_DATASET})
  --provider P         auto | cpu | cuda | dml (default auto: CUDA/DirectML when usable, else CPU)
  --threads N          ONNX Runtime intra-op threads (default: all cores)
  --batch N            images per inference call (default 64)
  --json               print JSON on stdout`;

export const KEY_OPTIONS_HELP = `  --key FILE           key file (default resources/keys/demo.key, the PUBLIC demo key)
  --passphrase-env VAR | --passphrase-file F   passphrase of a protected key`;

export function parseCount(
  value: string | undefined,
  name: string,
  fallback: number | undefined,
  max = 1_000_000,
): number | undefined {
  return parseIntegerOption(value, name, 1, max) ?? fallback;
}

export function parseFitOption(value: string | undefined, fallback: FitMode): FitMode {
  const fit = value ?? fallback;
  if (fit !== 'error' && fit !== 'resize' && fit !== 'pad') {
    throw new CipherLensError('BAD_INPUT', `--fit must be error, resize or pad, got "${fit}"`);
  }
  return fit;
}

type KeyValues = { key?: string; 'passphrase-env'?: string; 'passphrase-file'?: string };

/** Where the CLI looks for installed models: the shipped ones, then the user's ($CIPHERLENS_HOME/models, else ~/.cipherlens/models). */
export const CLI_MODELS_DIRS: readonly string[] = [DEFAULT_MODELS_DIR, userModelsDirOf(defaultStateDir())];

export interface ModelAndKey {
  model: ModelFiles;
  key: CipherKey | null;
}

/**
 * The model and the key to run it with. `--model` names one (a plain model only this way: it sees decrypted
 * images, and stderr says so). Otherwise the key (`--key`, else the public demo key) gets its default: a model
 * trained for it, else the shipped transformable model of `--dataset` transformed for it — any key works with
 * no training.
 */
export async function resolveModelAndKey(
  values: { model?: string; dataset?: string } & KeyValues,
): Promise<ModelAndKey> {
  if (values.model) {
    const needsKey = parseTransformedModelId(values.model) !== null;
    const early = needsKey ? await loadKeyForModel(null, values) : null;
    const model = await resolveModelReference(values.model, CLI_MODELS_DIRS, early);
    const key = early ?? (await loadKeyForModel(model.card, values));
    if (modelReads(model.card) === 'plain') {
      process.stderr.write(
        `note: model ${model.card.id} reads PLAIN images — inputs are decrypted before inference, nothing encrypted reaches it\n`,
      );
    }
    return { model, key };
  }
  const dataset = values.dataset ?? DEFAULT_DATASET;
  const key = (await loadKeyForModel(null, values))!;
  const model = defaultModelForKey(await modelsForKey(CLI_MODELS_DIRS, key), key, dataset);
  if (!model) throw noModelForKeyError(key, dataset);
  return { model, key };
}

/** The fields every JSON result names its model by. */
export function modelJson(card: ModelCard): {
  model: string;
  modelKeyFingerprint: string | null;
  transformedFrom: string | null;
  reads: string;
} {
  return {
    model: card.id,
    modelKeyFingerprint: card.keyFingerprint,
    transformedFrom: card.transformedFrom?.model ?? null,
    reads: modelReads(card),
  };
}

export interface EngineSettings {
  provider: ProviderPreference;
  threads: number | undefined;
  batchSize: number | undefined;
}

export function engineSettings(values: {
  provider?: string;
  threads?: string;
  batch?: string;
}): EngineSettings {
  return {
    provider: parseProviderPreference(values.provider ?? 'auto'),
    threads: parseCount(values.threads, 'threads', undefined, 256),
    batchSize: parseCount(values.batch, 'batch', undefined, 65_536),
  };
}

/** The key the model needs: --key, else the demo key; none for plain models (card null: any model). */
export async function loadKeyForModel(card: ModelCard | null, values: KeyValues): Promise<CipherKey | null> {
  if (card?.condition === 'plain' && !values.key) return null;
  const key = await loadKeyOption({ ...values, key: values.key ?? DEFAULT_KEY_PATH });
  warnIfDemoKey(key);
  return key;
}
