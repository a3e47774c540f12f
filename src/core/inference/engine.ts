import { Worker } from 'node:worker_threads';
import type { CipherKey } from '../crypto/keys.js';
import { CipherLensError, type ErrorCode } from '../errors.js';
import { checkModelKey } from './compatibility.js';
import type { ModelCard } from './model-card.js';
import { resolveModel, type ModelFiles } from './model-files.js';
import { encryptForModel, type PlainImage } from './model-input.js';
import type { InferenceOutputs } from './model-runner.js';
import type { ExecutionProvider, ProviderPreference } from './providers.js';
import { stderrLogger, type Logger } from './session.js';
import { topClasses, type RankedClass } from './softmax.js';
import type { InferenceReply, InferenceRequest } from './worker-protocol.js';
import { startModuleWorker } from '../workers/worker-thread.js';

export interface InferenceEngineOptions {
  /** Model id (in `modelsDir`), card path or ONNX path; or files already resolved. */
  model: string | ModelFiles;
  modelsDir?: string;
  /** The active key; checked against the card before anything runs. Plain models need none. */
  key?: CipherKey | null;
  /**
   * false: skip the key check, for callers that only feed images already encrypted for this model and checked
   * by other means (a dataset export whose manifest fingerprint matches the card). `encrypt` still needs the key.
   */
  checkKey?: boolean;
  provider?: ProviderPreference;
  threads?: number;
  /** Images per session.run (default 64). */
  batchSize?: number;
  log?: Logger;
  /** The worker entry; bundled hosts point this at their emitted `inference-worker.js`. */
  workerUrl?: URL;
  /** Where the session runs instead of a worker thread (the Electron host passes a utility process). */
  transport?: () => InferenceTransport;
}

/** The channel to the thread or process hosting the ONNX session (a worker_threads Worker fits as is). */
export interface InferenceTransport {
  postMessage(request: InferenceRequest): void;
  on(event: 'message', listener: (reply: InferenceReply) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<unknown>;
}

export interface EngineRunOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** One image's prediction, JSON-able. */
export interface Classification {
  classIndex: number;
  label: string;
  probability: number;
  /** Most probable classes first. */
  top: RankedClass[];
}

/**
 * A model loaded once in a worker thread and reused for every call. `images` are model-ready
 * (already encrypted) N×N images, end to end in one buffer or one buffer each; `encrypt` makes them from
 * plain images with the active key.
 */
export interface InferenceEngine {
  readonly card: ModelCard;
  readonly onnxPath: string;
  /** The execution provider that actually runs the model. */
  readonly provider: ExecutionProvider;
  readonly threads: number;
  readonly fallbacks: readonly { provider: ExecutionProvider; error: string }[];
  encrypt(images: readonly PlainImage[]): Uint8Array;
  infer(images: ModelImages, options?: EngineRunOptions): Promise<InferenceOutputs>;
  classify(images: ModelImages, options?: EngineRunOptions & { top?: number }): Promise<Classification[]>;
  /** L2 norms are left as the model made them; the vector store normalises. [count × embeddingDim]. */
  embed(images: ModelImages, options?: EngineRunOptions): Promise<Float32Array>;
  close(): Promise<void>;
}

export type ModelImages = Uint8Array | readonly Uint8Array[];

function joinImages(images: ModelImages, card: ModelCard): Uint8Array {
  if (images instanceof Uint8Array) return images;
  const pixels = card.inputSize * card.inputSize;
  const batch = new Uint8Array(images.length * pixels);
  images.forEach((image, index) => {
    if (image.length !== pixels) {
      throw new CipherLensError(
        'BAD_SIZE',
        `image ${index} has ${image.length} pixels; model ${card.id} takes ${card.inputSize}×${card.inputSize}`,
      );
    }
    batch.set(image, index * pixels);
  });
  return batch;
}

export async function createInferenceEngine(options: InferenceEngineOptions): Promise<InferenceEngine> {
  const files =
    typeof options.model === 'string' ? await resolveModel(options.model, options.modelsDir) : options.model;
  const { card } = files;
  if (options.checkKey !== false) checkModelKey(card, options.key);
  const log = options.log ?? stderrLogger;
  const worker: InferenceTransport = options.transport
    ? options.transport()
    : options.workerUrl
      ? new Worker(options.workerUrl)
      : startModuleWorker(import.meta.url, 'inference-worker');

  type Waiter = {
    resolve: (outputs: InferenceOutputs) => void;
    reject: (error: Error) => void;
    onProgress: ((done: number, total: number) => void) | undefined;
  };
  const waiters = new Map<number, Waiter>();
  let nextId = 1;
  let broken: CipherLensError | null = null;
  let onOpened: ((reply: InferenceReply) => void) | null = null;
  let onClosed: (() => void) | null = null;

  const breakAll = (error: CipherLensError): void => {
    broken ??= error;
    for (const waiter of waiters.values()) waiter.reject(error);
    waiters.clear();
    onOpened?.({ type: 'error', id: null, code: error.code, message: error.message });
    onClosed?.();
  };
  worker.on('message', (reply: InferenceReply) => {
    switch (reply.type) {
      case 'opened':
        onOpened?.(reply);
        return;
      case 'log':
        log(reply.message);
        return;
      case 'progress':
        waiters.get(reply.id)?.onProgress?.(reply.done, reply.total);
        return;
      case 'result':
        waiters.get(reply.id)?.resolve(reply.outputs);
        waiters.delete(reply.id);
        return;
      case 'error':
        if (reply.id === null) onOpened?.(reply);
        else {
          waiters.get(reply.id)?.reject(new CipherLensError(reply.code as ErrorCode, reply.message));
          waiters.delete(reply.id);
        }
        return;
      case 'closed':
        onClosed?.();
        return;
    }
  });
  worker.on('error', (error) =>
    breakAll(new CipherLensError('INTERNAL', `inference worker failed: ${error.message}`, { cause: error })),
  );
  worker.on('exit', (code) =>
    breakAll(new CipherLensError('INTERNAL', `inference worker exited (code ${code})`)),
  );

  const post = (request: InferenceRequest): void => worker.postMessage(request);
  const opened = await new Promise<InferenceReply>((resolve) => {
    onOpened = resolve;
    post({
      type: 'open',
      onnxPath: files.onnxPath,
      ...(files.onnxBytes && { onnxBytes: files.onnxBytes }),
      card,
      provider: options.provider ?? 'auto',
      threads: options.threads,
    });
  });
  onOpened = null;
  if (opened.type !== 'opened') {
    await worker.terminate();
    const code = opened.type === 'error' ? opened.code : 'INTERNAL';
    throw new CipherLensError(
      code,
      opened.type === 'error' ? opened.message : 'inference worker did not open the model',
    );
  }

  const infer = (images: ModelImages, runOptions: EngineRunOptions = {}): Promise<InferenceOutputs> => {
    if (broken) return Promise.reject(broken);
    if (runOptions.signal?.aborted)
      return Promise.reject(new CipherLensError('CANCELLED', 'inference was cancelled'));
    let batch: Uint8Array;
    try {
      batch = joinImages(images, card);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const id = nextId++;
    return new Promise<InferenceOutputs>((resolve, reject) => {
      const abort = (): void => post({ type: 'cancel', id });
      runOptions.signal?.addEventListener('abort', abort, { once: true });
      const settle = (): void => runOptions.signal?.removeEventListener('abort', abort);
      waiters.set(id, {
        resolve: (outputs) => (settle(), resolve(outputs)),
        reject: (error) => (settle(), reject(error)),
        onProgress: runOptions.onProgress,
      });
      post({ type: 'run', id, images: batch, batchSize: options.batchSize });
    });
  };

  return {
    card,
    onnxPath: files.onnxPath,
    provider: opened.provider,
    threads: opened.threads,
    fallbacks: opened.fallbacks,
    encrypt: (images) => encryptForModel(card, options.key, images),
    infer,
    async classify(images, runOptions = {}) {
      const outputs = await infer(images, runOptions);
      const top = runOptions.top ?? card.classes.length;
      return Array.from({ length: outputs.count }, (_, row) => {
        const ranked = topClasses(outputs.probabilities, card.classes, row, top);
        const best = ranked[0]!;
        return { classIndex: best.classIndex, label: best.label, probability: best.probability, top: ranked };
      });
    },
    async embed(images, runOptions) {
      return (await infer(images, runOptions)).embeddings;
    },
    async close() {
      if (broken) return;
      await new Promise<void>((resolve) => {
        onClosed = resolve;
        post({ type: 'close' });
      });
      broken = new CipherLensError('INTERNAL', `inference engine for ${card.id} was closed`);
      await worker.terminate();
    },
  };
}
