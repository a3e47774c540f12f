import type { CipherKey } from '../crypto/keys.js';
import { checkModelKey } from '../inference/compatibility.js';
import {
  createInferenceEngine,
  type InferenceEngine,
  type InferenceEngineOptions,
} from '../inference/engine.js';
import { listModels, type ModelFiles } from '../inference/model-files.js';
import type { ProviderPreference } from '../inference/providers.js';
import { CipherLensError, describeError } from '../errors.js';
import type { ModelInfo } from '../../shared/system.js';

export type EngineFactory = (options: InferenceEngineOptions) => Promise<InferenceEngine>;

export interface EngineSettings {
  provider: ProviderPreference;
  threads: number;
}

/** Cards in the models folders, their fit with the active key, and one open engine at a time. */
export class ModelRegistry {
  private engine: { key: string; engine: Promise<InferenceEngine> } | null = null;
  lastProvider: string | null = null;
  fallbackNote: string | null = null;

  constructor(
    private readonly modelsDirs: readonly string[],
    private readonly createEngine: EngineFactory = createInferenceEngine,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async list(): Promise<ModelFiles[]> {
    const seen = new Set<string>();
    const all: ModelFiles[] = [];
    for (const dir of this.modelsDirs) {
      for (const model of await listModels(dir)) {
        if (!seen.has(model.card.id)) {
          seen.add(model.card.id);
          all.push(model);
        }
      }
    }
    return all;
  }

  async find(id: string): Promise<ModelFiles> {
    const found = (await this.list()).find((model) => model.card.id === id);
    if (!found) throw new CipherLensError('NOT_FOUND', `no model "${id}" among the installed models`);
    return found;
  }

  /**
   * The chosen model when it still exists, else the best one for the key: compatible first, then the
   * paper's method (Arnold+XOR DCNN), MedNIST before MNIST.
   */
  async active(chosenId: string | null, key: CipherKey | null): Promise<ModelFiles | null> {
    const models = await this.list();
    const chosen = models.find((model) => model.card.id === chosenId);
    if (chosen) return chosen;
    const score = (model: ModelFiles): number =>
      (problemsWith(model, key).length === 0 ? 0 : 8) +
      (model.card.condition === 'arnold+xor' ? 0 : 4) +
      (model.card.architecture === 'dcnn' ? 0 : 2) +
      (model.card.dataset === 'mednist' ? 0 : 1);
    return [...models].sort((a, b) => score(a) - score(b))[0] ?? null;
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
      name: `${card.dataset} · ${card.architecture} · ${card.condition}`,
      dataset: card.dataset,
      architecture: card.architecture,
      condition: card.condition,
      inputSize: card.inputSize,
      classes: [...card.classes],
      keyFingerprint: card.keyFingerprint,
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
    const cacheKey = `${model.onnxPath}|${key?.fingerprint ?? '-'}|${settings.provider}|${settings.threads}`;
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
        : `. Its images must be encrypted with that key: select it in Settings → Keys, or pick a model trained for the active key`;
    return [`${base}${hint}`];
  }
}
