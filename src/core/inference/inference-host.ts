import { CipherLensError, describeError, isCipherLensError } from '../errors.js';
import { openModelRunner, type ModelRunner } from './model-runner.js';
import type { InferenceReply, InferenceRequest } from './worker-protocol.js';

export type ReplySender = (reply: InferenceReply, transfer?: ArrayBuffer[]) => void;

/**
 * The session side of an inference engine, independent of the transport: a worker thread wires it to
 * `parentPort`, an Electron utility process to `process.parentPort`. Runs are served one at a time in order;
 * a cancel message aborts a queued run or the running one between two batches.
 */
export function createInferenceHost(send: ReplySender): { handle(request: InferenceRequest): Promise<void> } {
  let runner: ModelRunner | null = null;
  const pending = new Map<number, AbortController>();
  let queue: Promise<void> = Promise.resolve();

  const fail = (id: number | null, error: unknown): void => {
    const code = isCipherLensError(error) ? error.code : 'INTERNAL';
    send({ type: 'error', id, code, message: describeError(error) });
  };

  const serveRun = async (id: number, images: Uint8Array, batchSize: number | undefined): Promise<void> => {
    const controller = pending.get(id);
    try {
      if (!runner) throw new CipherLensError('INTERNAL', 'no model is open in this inference host');
      const outputs = await runner.run(images, {
        batchSize,
        signal: controller?.signal,
        onProgress: (done, total) => send({ type: 'progress', id, done, total }),
      });
      send({ type: 'result', id, outputs }, [
        outputs.logits.buffer as ArrayBuffer,
        outputs.probabilities.buffer as ArrayBuffer,
        outputs.embeddings.buffer as ArrayBuffer,
      ]);
    } catch (error) {
      fail(id, error);
    } finally {
      pending.delete(id);
    }
  };

  return {
    async handle(request) {
      switch (request.type) {
        case 'open':
          try {
            runner = await openModelRunner(
              request.onnxPath,
              request.card,
              {
                provider: request.provider,
                threads: request.threads,
                log: (message) => send({ type: 'log', message }),
              },
              request.onnxBytes,
            );
            send({
              type: 'opened',
              provider: runner.provider,
              threads: runner.threads,
              fallbacks: [...runner.fallbacks],
            });
          } catch (error) {
            fail(null, error);
          }
          return;
        case 'run':
          pending.set(request.id, new AbortController());
          queue = queue.then(() => serveRun(request.id, request.images, request.batchSize));
          return queue;
        case 'cancel':
          pending.get(request.id)?.abort();
          return;
        case 'close':
          for (const controller of pending.values()) controller.abort();
          await queue;
          await runner?.close();
          runner = null;
          send({ type: 'closed' });
          return;
      }
    },
  };
}
