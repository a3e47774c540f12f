import { dirname, resolve } from 'node:path';
import type { CipherKey } from '../core/crypto/keys.js';
import { checkModelKey } from '../core/inference/compatibility.js';
import {
  createInferenceEngine,
  type InferenceEngine,
  type InferenceEngineOptions,
} from '../core/inference/engine.js';
import { isTransformable } from '../core/inference/key-transform.js';
import type { ModelCard } from '../core/inference/model-card.js';
import { ARCHITECTURE_REGISTRY } from '../core/training/architectures.js';
import {
  defaultModelForKey,
  deriveTransformedModel,
  installedModels,
  modelReads,
} from '../core/inference/model-catalog.js';
import type { ModelFiles } from '../core/inference/model-files.js';
import type { ProviderPreference } from '../core/inference/providers.js';
import { CipherLensError, describeError } from '../core/errors.js';
import type { ModelInfo } from '../shared/system.js';

export type EngineFactory = (options: InferenceEngineOptions) => Promise<InferenceEngine>;

export interface EngineSettings {
  provider: ProviderPreference;
  threads: number;
}

/**
 * Installed models (shipped and the user's), the models transformed for the active key (derived in memory on
 * activation, never written to disk), their fit with the key, and one open engine at a time.
 */
export class ModelRegistry {
  private engine: { key: string; engine: Promise<InferenceEngine> } | null = null;
  /** Transformed models of one key only: another key's would be key material kept for nothing. */
  private derived: { cacheKey: string; models: Promise<ModelFiles[]> } | null = null;
  lastProvider: string | null = null;
  fallbackNote: string | null = null;

  constructor(
    private readonly modelsDirs: readonly string[],
    private readonly createEngine: EngineFactory = createInferenceEngine,
    private readonly log: (message: string) => void = () => undefined,
    /** The user's own models (imported or trained); every other folder holds shipped models. */
    private readonly userModelsDir: string | null = null,
  ) {}

  /** Shipped with the app, the user's own, or derived in memory for the active key. */
  sourceOf(model: ModelFiles): ModelInfo['source'] {
    if (model.card.transformedFrom) return 'derived';
    if (this.userModelsDir !== null && resolve(dirname(model.cardPath)) === resolve(this.userModelsDir))
      return 'user';
    return 'shipped';
  }

  /** Installed models, then those transformed for `key`. */
  async list(key: CipherKey | null): Promise<ModelFiles[]> {
    const installed = await installedModels(this.modelsDirs);
    return [...installed, ...(await this.transformedFor(key, installed))];
  }

  /** Derives the key's transformed models now (on key activation), so the first classification need not wait. */
  async prepare(key: CipherKey | null): Promise<ModelFiles[]> {
    return this.transformedFor(key, await installedModels(this.modelsDirs));
  }

  private transformedFor(key: CipherKey | null, installed: readonly ModelFiles[]): Promise<ModelFiles[]> {
    if (!key) return Promise.resolve([]);
    const plain = installed.filter((model) => isTransformable(model.card));
    const cacheKey = `${key.fingerprint}|${plain.map((m) => `${m.card.id}:${m.card.onnx.sha256}`).join(',')}`;
    if (this.derived?.cacheKey !== cacheKey) {
      // One broken transformable model (say, an imported card naming the wrong initializers) is logged and left
      // out; it must not take the other models off the list.
      const models = Promise.allSettled(plain.map((model) => deriveTransformedModel(model, key))).then(
        (results) =>
          results.flatMap((result, index) => {
            if (result.status === 'fulfilled') return [result.value];
            this.log(
              `cannot transform ${plain[index]!.card.id} for key ${key.fingerprint}: ${describeError(result.reason)}`,
            );
            return [];
          }),
      );
      this.derived = { cacheKey, models };
    }
    return this.derived.models;
  }

  async find(id: string, key: CipherKey | null): Promise<ModelFiles> {
    const found = (await this.list(key)).find((model) => model.card.id === id);
    if (!found) throw new CipherLensError('NOT_FOUND', `no model "${id}" among the installed models`);
    return found;
  }

  /**
   * The chosen model while it can run with the key (a plain model only when the person chose it), else the
   * key's default: trained for it, else transformed for it. When no model reads this key's cipher images, an
   * encrypted model of another key stays active so every screen explains the mismatch; a plain model never
   * fills the gap.
   */
  async active(chosenId: string | null, key: CipherKey | null): Promise<ModelFiles | null> {
    const models = await this.list(key);
    const chosen = models.find((model) => model.card.id === chosenId);
    if (chosen && problemsWith(chosen, key).length === 0) return chosen;
    const encrypted = models.filter((model) => modelReads(model.card) !== 'plain');
    return defaultModelForKey(models, key) ?? chosen ?? encrypted[0] ?? null;
  }

  info(model: ModelFiles, key: CipherKey | null): ModelInfo {
    const { card } = model;
    const problems = problemsWith(model, key);
    const metrics: Record<string, number> = {};
    for (const [split, values] of Object.entries(card.metrics)) {
      if (values && typeof values === 'object') {
        for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
          if (typeof value === 'number') metrics[`${split}.${name}`] = value;
        }
      }
    }
    return {
      id: card.id,
      name: modelName(card),
      dataset: card.dataset,
      architecture: card.architecture,
      condition: card.condition,
      inputSize: card.inputSize,
      classes: [...card.classes],
      keyFingerprint: card.keyFingerprint,
      reads: modelReads(card),
      transformedFrom: card.transformedFrom?.model ?? null,
      transformable: isTransformable(card),
      source: this.sourceOf(model),
      metrics,
      compatible: problems.length === 0,
      problems,
    };
  }

  /** An engine for the model, key and settings; the previous one is closed when any of them changes. */
  async engineFor(
    model: ModelFiles,
    key: CipherKey | null,
    settings: EngineSettings,
  ): Promise<InferenceEngine> {
    checkModelKey(model.card, key);
    const cacheKey = `${model.card.id}|${model.card.onnx.sha256}|${key?.fingerprint ?? '-'}|${settings.provider}|${settings.threads}`;
    if (this.engine?.key !== cacheKey) {
      await this.closeEngine();
      const engine = this.createEngine({
        model,
        key,
        provider: settings.provider,
        ...(settings.threads > 0 && { threads: settings.threads }),
        log: this.log,
      });
      this.engine = { key: cacheKey, engine };
      engine.then(
        (opened) => {
          this.lastProvider = opened.provider;
          this.fallbackNote =
            opened.fallbacks.length === 0
              ? null
              : opened.fallbacks.map((f) => `${f.provider} failed (${f.error}); fell back`).join('; ');
        },
        () => {
          if (this.engine?.engine === engine) this.engine = null;
        },
      );
    }
    return this.engine!.engine;
  }

  async closeEngine(): Promise<void> {
    const previous = this.engine;
    this.engine = null;
    if (!previous) return;
    try {
      await (await previous.engine).close();
    } catch (error) {
      this.log(`closing the inference engine failed: ${describeError(error)}`);
    }
  }
}

const DATASET_NAMES: Record<string, string> = { mednist: 'MedNIST', mnist: 'MNIST' };

/** "MedNIST bit-plane (transformed for 49a1…)", "MedNIST DCNN (trained for b574…)", "MNIST DCNN (PLAIN images)". */
export function modelName(card: ModelCard): string {
  const base = `${DATASET_NAMES[card.dataset] ?? card.dataset} ${ARCHITECTURE_REGISTRY[card.architecture].label}`;
  const short = (fingerprint: string | null): string => `${(fingerprint ?? '').slice(0, 4)}…`;
  switch (modelReads(card)) {
    case 'plain':
      return `${base} (PLAIN images — sees decrypted input)`;
    case 'transformed-for-key':
      return `${base} (transformed for ${short(card.keyFingerprint)})`;
    case 'trained-for-key':
      return `${base} (trained for ${short(card.keyFingerprint)}, ${card.condition})`;
  }
}

/** Why a model cannot run with this key, in words; empty when it can. */
export function problemsWith(model: ModelFiles, key: CipherKey | null): string[] {
  try {
    checkModelKey(model.card, key);
    return [];
  } catch (error) {
    const base = describeError(error);
    const hint =
      model.card.condition === 'plain'
        ? ''
        : `. Its images must be encrypted with that key: select it in Settings → Keys, or pick a model trained or transformed for the active key`;
    return [`${base}${hint}`];
  }
}
