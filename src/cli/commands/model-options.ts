import { join } from 'node:path';
import type { CipherKey } from '../../core/crypto/keys.js';
import { PACKAGE_ROOT } from '../../core/datasets/data-dir.js';
import { CipherLensError } from '../../core/errors.js';
import type { FitMode } from '../../core/image/decode.js';
import type { ModelCard } from '../../core/inference/model-card.js';
import { defaultModelFor, resolveModel, type ModelFiles } from '../../core/inference/model-files.js';
import { parseProviderPreference, type ProviderPreference } from '../../core/inference/providers.js';
import { loadKeyOption, passphraseOptions, warnIfDemoKey } from '../crypto-options.js';

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

export const MODEL_OPTIONS_HELP = `  --model ID|PATH      model id in resources/models, a card (.json) or an ONNX file (.onnx beside its card)
                       (default: the shipped model of --dataset, Arnold+XOR DCNN preferred)
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
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) {
    throw new CipherLensError('BAD_INPUT', `--${name} must be an integer from 1 to ${max}, got "${value}"`);
  }
  return parsed;
}

export function parseFitOption(value: string | undefined, fallback: FitMode): FitMode {
  const fit = value ?? fallback;
  if (fit !== 'error' && fit !== 'resize' && fit !== 'pad') {
    throw new CipherLensError('BAD_INPUT', `--fit must be error, resize or pad, got "${fit}"`);
  }
  return fit;
}

export async function resolveModelOption(values: { model?: string; dataset?: string }): Promise<ModelFiles> {
  if (values.model) return resolveModel(values.model);
  return defaultModelFor(values.dataset ?? DEFAULT_DATASET);
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

/** The key the model needs: --key, else the demo key; none for plain models. */
export async function loadKeyForModel(
  card: ModelCard,
  values: { key?: string; 'passphrase-env'?: string; 'passphrase-file'?: string },
): Promise<CipherKey | null> {
  if (card.condition === 'plain' && !values.key) return null;
  const key = await loadKeyOption({ ...values, key: values.key ?? DEFAULT_KEY_PATH });
  warnIfDemoKey(key);
  return key;
}
