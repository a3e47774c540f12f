import type { EngineRunOptions, InferenceEngine } from './engine.js';
import { countImages } from './model-runner.js';

/** Images sent to the worker per call: bounds the copy in flight while keeping calls few. */
export const INFERENCE_CHUNK = 2048;

/**
 * Logits and embeddings of `images` (model-ready, end to end), fed to the engine in chunks so memory stays
 * bounded however large the set; progress counts images over the whole set.
 */
export async function inferAll(
  engine: InferenceEngine,
  images: Uint8Array,
  options: EngineRunOptions = {},
): Promise<{ count: number; logits: Float32Array; embeddings: Float32Array }> {
  const { card } = engine;
  const count = countImages(images, card);
  const pixels = card.inputSize * card.inputSize;
  const logits = new Float32Array(count * card.classes.length);
  const embeddings = new Float32Array(count * card.embeddingDim);
  for (let first = 0; first < count; first += INFERENCE_CHUNK) {
    const rows = Math.min(INFERENCE_CHUNK, count - first);
    const outputs = await engine.infer(images.subarray(first * pixels, (first + rows) * pixels), {
      signal: options.signal,
      onProgress: (done) => options.onProgress?.(first + done, count),
    });
    logits.set(outputs.logits, first * card.classes.length);
    embeddings.set(outputs.embeddings, first * card.embeddingDim);
  }
  return { count, logits, embeddings };
}
