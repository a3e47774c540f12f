import type { InferenceEngine } from '../core/inference/engine.js';
import type { InferenceOutputs } from '../core/inference/model-runner.js';
import type { ItemRecord } from '../core/workspace/item-record.js';
import { CipherLensError } from '../core/errors.js';
import type { BackendContext } from './context.js';
import { resizeSquare } from './images.js';
import { decryptItem } from './sources.js';

/** Images decrypted, resized and re-encrypted per chunk, so memory stays bounded for large workspaces. */
const CHUNK = 256;

export interface ItemRunOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs the model on stored items: each is decrypted with the active key, brought to the model's size and
 * encrypted under the model's condition, so the network only ever sees cipher images.
 */
export async function inferItems(
  context: BackendContext,
  engine: InferenceEngine,
  records: readonly ItemRecord[],
  options: ItemRunOptions = {},
): Promise<InferenceOutputs> {
  const { card } = engine;
  const count = records.length;
  const classCount = card.classes.length;
  const dim = card.embeddingDim;
  const outputs: InferenceOutputs = {
    count,
    classCount,
    embeddingDim: dim,
    logits: new Float32Array(count * classCount),
    probabilities: new Float32Array(count * classCount),
    embeddings: new Float32Array(count * dim),
  };
  for (let first = 0; first < count; first += CHUNK) {
    if (options.signal?.aborted)
      throw new CipherLensError('CANCELLED', `cancelled after ${first} of ${count} images`);
    const chunk = records.slice(first, first + CHUNK);
    const plain = await Promise.all(
      chunk.map(async (record) =>
        resizeSquare(await decryptItem(context, record), record.size, card.inputSize),
      ),
    );
    const result = await engine.infer(engine.encrypt(plain), {
      ...(options.signal && { signal: options.signal }),
      onProgress: (done) => options.onProgress?.(first + done, count),
    });
    outputs.logits.set(result.logits, first * classCount);
    outputs.probabilities.set(result.probabilities, first * classCount);
    outputs.embeddings.set(result.embeddings, first * dim);
    options.onProgress?.(first + chunk.length, count);
  }
  return outputs;
}

/** Items the active key can open; the others are listed with the reason. */
export function splitByKey(
  context: BackendContext,
  records: readonly ItemRecord[],
): { usable: ItemRecord[]; skipped: { id: string; reason: string }[] } {
  const fingerprint = context.activeKey().fingerprint;
  const usable: ItemRecord[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const record of records) {
    if (record.keyFingerprint === fingerprint) usable.push(record);
    else
      skipped.push({
        id: record.id,
        reason: `encrypted with key ${record.keyFingerprint}, not the active key`,
      });
  }
  return { usable, skipped };
}
