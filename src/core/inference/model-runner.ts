import * as ort from 'onnxruntime-node';
import { CipherLensError } from '../errors.js';
import type { ModelCard } from './model-card.js';
import { checkSessionContract, openSession, readModelBytes, type SessionSettings } from './session.js';
import type { ExecutionProvider } from './providers.js';
import { softmaxRows } from './softmax.js';

/** Raw outputs for `count` images, row-major: logits and probabilities [count, classes], embeddings [count, dim]. */
export interface InferenceOutputs {
  count: number;
  classCount: number;
  embeddingDim: number;
  logits: Float32Array;
  probabilities: Float32Array;
  embeddings: Float32Array;
}

export interface RunOptions {
  /** Images per session.run call (default 64). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** One ONNX session for one model, run on the calling thread (`session.run` blocks it between batches). */
export interface ModelRunner {
  readonly card: ModelCard;
  readonly provider: ExecutionProvider;
  readonly threads: number;
  readonly fallbacks: readonly { provider: ExecutionProvider; error: string }[];
  /** `images` holds `count` model-ready (already encrypted) N×N images end to end. */
  run(images: Uint8Array, options?: RunOptions): Promise<InferenceOutputs>;
  close(): Promise<void>;
}

export const DEFAULT_BATCH_SIZE = 64;

export function cancelledError(): CipherLensError {
  return new CipherLensError('CANCELLED', 'inference was cancelled');
}

export function countImages(images: Uint8Array, card: ModelCard): number {
  const pixels = card.inputSize * card.inputSize;
  if (images.length % pixels !== 0) {
    throw new CipherLensError(
      'BAD_SIZE',
      `${images.length} bytes is not a whole number of ${card.inputSize}×${card.inputSize} images for model ${card.id}`,
    );
  }
  return images.length / pixels;
}

function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 65536) {
    throw new CipherLensError('BAD_INPUT', `batch size must be an integer from 1 to 65536, got ${batchSize}`);
  }
  return batchSize;
}

export async function openModelRunner(
  onnxPath: string,
  card: ModelCard,
  settings: SessionSettings = {},
  /** A transformed model's graph, held in memory (key material); `onnxPath` then only names its origin. */
  onnxBytes?: Uint8Array,
): Promise<ModelRunner> {
  const opened = await openSession(await readModelBytes(onnxPath, card, onnxBytes), settings);
  const { session } = opened;
  try {
    checkSessionContract(session, card);
  } catch (error) {
    await session.release();
    throw error;
  }
  const size = card.inputSize;
  const pixels = size * size;
  const classCount = card.classes.length;
  const embeddingDim = card.embeddingDim;
  let closed = false;

  const run = async (images: Uint8Array, options: RunOptions = {}): Promise<InferenceOutputs> => {
    if (closed) throw new CipherLensError('INTERNAL', `model ${card.id} was closed`);
    const count = countImages(images, card);
    const batchSize = checkBatchSize(options.batchSize ?? DEFAULT_BATCH_SIZE);
    const logits = new Float32Array(count * classCount);
    const embeddings = new Float32Array(count * embeddingDim);
    for (let start = 0; start < count; start += batchSize) {
      if (options.signal?.aborted) throw cancelledError();
      const rows = Math.min(batchSize, count - start);
      const input = new ort.Tensor('uint8', images.subarray(start * pixels, (start + rows) * pixels), [
        rows,
        1,
        size,
        size,
      ]);
      const result = await session.run({ image: input });
      logits.set(result.logits!.data as Float32Array, start * classCount);
      embeddings.set(result.embedding!.data as Float32Array, start * embeddingDim);
      options.onProgress?.(start + rows, count);
    }
    if (options.signal?.aborted) throw cancelledError();
    const probabilities = softmaxRows(logits, classCount);
    return { count, classCount, embeddingDim, logits, probabilities, embeddings };
  };

  return {
    card,
    provider: opened.provider,
    threads: opened.threads,
    fallbacks: opened.fallbacks,
    run,
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}
