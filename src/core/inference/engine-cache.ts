import { resolve } from 'node:path';
import { createInferenceEngine, type InferenceEngine, type InferenceEngineOptions } from './engine.js';
import { resolveModel } from './model-files.js';

interface Entry {
  engine: Promise<InferenceEngine>;
  users: number;
}

const engines = new Map<string, Entry>();

/**
 * One engine (one worker, one ONNX session) per model file, key, provider and thread count, shared by every
 * caller that asks for the same. Each caller's `close()` releases its share; the last one closes the engine.
 */
export async function acquireInferenceEngine(options: InferenceEngineOptions): Promise<InferenceEngine> {
  const files =
    typeof options.model === 'string' ? await resolveModel(options.model, options.modelsDir) : options.model;
  const cacheKey = [
    resolve(files.onnxPath),
    files.card.id,
    files.card.onnx.sha256,
    options.key?.fingerprint ?? 'no-key',
    options.checkKey === false ? 'unchecked' : 'checked',
    options.provider ?? 'auto',
    options.threads ?? 'default',
    options.batchSize ?? 'default',
  ].join('|');
  let entry = engines.get(cacheKey);
  if (!entry) {
    const created: Entry = { engine: createInferenceEngine({ ...options, model: files }), users: 0 };
    created.engine.catch(() => engines.delete(cacheKey));
    engines.set(cacheKey, created);
    entry = created;
  }
  entry.users++;
  const shared = await entry.engine;
  const owner = entry;
  let released = false;
  return {
    ...shared,
    async close() {
      if (released) return;
      released = true;
      owner.users--;
      if (owner.users === 0 && engines.get(cacheKey) === owner) {
        engines.delete(cacheKey);
        await shared.close();
      }
    },
  };
}

/** How many distinct engines are open (for diagnostics and tests). */
export function openEngineCount(): number {
  return engines.size;
}
