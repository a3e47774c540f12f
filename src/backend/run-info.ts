import type { InferenceEngine } from '../core/inference/engine.js';
import { modelReads } from '../core/inference/model-catalog.js';
import type { RunInfo } from '../shared/analysis.js';

/** Which model ran where, and whether what reached it was encrypted (the captions depend on it). */
export function runInfo(engine: InferenceEngine, elapsedMs: number): RunInfo {
  return {
    modelId: engine.card.id,
    provider: engine.provider,
    elapsedMs,
    input: modelReads(engine.card) === 'plain' ? 'decrypted' : 'encrypted',
  };
}
