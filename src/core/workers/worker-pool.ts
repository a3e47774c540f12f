import type { Worker } from 'node:worker_threads';
import { CipherLensError, type ErrorCode, isCipherLensError } from '../errors.js';
import { startModuleWorker } from './worker-thread.js';

/**
 * What every pooled worker answers: the job's id, then its result or a CipherLens error code and message; before
 * that, any number of progress reports.
 */
export type WorkerReply<Result> =
  | { id: number; ok: true; result: Result }
  | { id: number; ok: false; code: string; message: string }
  | { id: number; progress: { done: number; total: number; message: string } };

export interface RunOptions {
  /** Buffers of the job handed over to the worker (the caller must not use them afterwards). */
  transfer?: ArrayBuffer[];
  /** Progress the worker reports while it works (`serveWorkerJobs`' `progress`). */
  onProgress?: (done: number, total: number, message: string) => void;
  /** Aborting drops a queued job, or stops the worker running it; the job fails with CANCELLED. */
  signal?: AbortSignal;
}

export interface WorkerPoolOptions {
  /** `import.meta.url` of the module beside which the worker entry `<entry>.ts` / `<entry>.js` lives. */
  callerUrl: string;
  entry: string;
  /** Worker threads running at most at once. */
  size: number;
  /** The code of the error a crashed or stopped worker fails its job with. */
  failureCode: ErrorCode;
  /** In words, for that error: "the DICOM decoder", "the image cipher". */
  what: string;
  /** An idle worker is stopped after this long; the next job starts a fresh one. */
  idleMs?: number;
}

interface Running<Result> {
  id: number;
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
  onProgress?: RunOptions['onProgress'];
}

interface PoolWorker<Result> {
  worker: Worker;
  job: Running<Result> | null;
  idleTimer: NodeJS.Timeout | null;
}

interface Pending<Job, Result> extends Running<Result> {
  job: Job;
  transfer: ArrayBuffer[];
}

/**
 * Runs CPU-bound jobs in worker threads so the event loop (in Electron, the whole app) only waits for replies.
 * Workers start on demand (like the inference worker, worker-thread.ts), stop when idle, and do not keep the
 * process alive. A worker that crashes fails its own job only; the next job starts a new worker.
 */
export class WorkerPool<Job extends object, Result> {
  private readonly workers: PoolWorker<Result>[] = [];
  private readonly queue: Pending<Job, Result>[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  run(job: Job, options: RunOptions | ArrayBuffer[] = {}): Promise<Result> {
    const { transfer = [], onProgress, signal } = Array.isArray(options) ? { transfer: options } : options;
    if (this.closed) return Promise.reject(new CipherLensError('INTERNAL', `${this.options.what} is closed`));
    if (signal?.aborted) return Promise.reject(this.cancelled());
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const pending: Pending<Job, Result> = {
        id,
        job,
        transfer,
        resolve,
        reject,
        ...(onProgress && { onProgress }),
      };
      signal?.addEventListener(
        'abort',
        () => {
          const queued = this.queue.indexOf(pending);
          if (queued >= 0) {
            this.queue.splice(queued, 1);
            reject(this.cancelled());
            return;
          }
          const entry = this.workers.find((w) => w.job?.id === id);
          if (entry) void this.stop(entry, this.cancelled()).then(() => this.dispatch());
        },
        { once: true },
      );
      this.queue.push(pending);
      this.dispatch();
    });
  }

  private cancelled(): CipherLensError {
    return new CipherLensError('CANCELLED', `${this.options.what}: cancelled`);
  }

  /** Stops every worker; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      pending.reject(new CipherLensError('CANCELLED', `${this.options.what} was closed`));
    }
    await Promise.all([...this.workers].map((entry) => this.stop(entry)));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let free = this.workers.find((w) => w.job === null);
      if (!free && this.workers.length < this.options.size) free = this.spawn();
      if (!free) return;
      const { id, job, transfer, resolve, reject, onProgress } = this.queue.shift()!;
      if (free.idleTimer) clearTimeout(free.idleTimer);
      free.idleTimer = null;
      free.job = { id, resolve, reject, ...(onProgress && { onProgress }) };
      free.worker.ref();
      free.worker.postMessage({ ...job, id }, transfer);
    }
  }

  private spawn(): PoolWorker<Result> {
    const entry: PoolWorker<Result> = {
      worker: startModuleWorker(this.options.callerUrl, this.options.entry),
      job: null,
      idleTimer: null,
    };
    const fail = (error: Error): void => {
      this.remove(entry);
      entry.job?.reject(error);
      entry.job = null;
      this.dispatch();
    };
    entry.worker.on('message', (reply: WorkerReply<Result>) => {
      const job = entry.job;
      if (!job || job.id !== reply.id) return;
      if ('progress' in reply) {
        job.onProgress?.(reply.progress.done, reply.progress.total, reply.progress.message);
        return;
      }
      entry.job = null;
      if (reply.ok) job.resolve(reply.result);
      else job.reject(new CipherLensError(reply.code as ErrorCode, reply.message));
      this.idle(entry);
      this.dispatch();
    });
    const { failureCode, what } = this.options;
    entry.worker.on('error', (error) =>
      fail(new CipherLensError(failureCode, `${what} failed: ${error.message}`, { cause: error })),
    );
    entry.worker.on('exit', (code) =>
      fail(new CipherLensError(failureCode, `${what} stopped (exit code ${code})`)),
    );
    this.workers.push(entry);
    return entry;
  }

  /** An idle worker does not keep the process alive, and stops after idleMs. */
  private idle(entry: PoolWorker<Result>): void {
    entry.worker.unref();
    entry.idleTimer = setTimeout(() => {
      if (entry.job) return;
      void this.stop(entry);
    }, this.options.idleMs ?? 30_000);
    entry.idleTimer.unref();
  }

  private async stop(entry: PoolWorker<Result>, reason?: Error): Promise<void> {
    this.remove(entry);
    entry.worker.removeAllListeners('exit');
    entry.job?.reject(reason ?? new CipherLensError('CANCELLED', `${this.options.what} was closed`));
    entry.job = null;
    await entry.worker.terminate();
  }

  private remove(entry: PoolWorker<Result>): void {
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    const index = this.workers.indexOf(entry);
    if (index >= 0) this.workers.splice(index, 1);
  }
}

/**
 * The worker side: answers each job with `handle(job)` (sync or async) and hands back the buffers `transferOf`
 * names. A thrown CipherLensError keeps its code; anything else is reported with `fallbackCode`.
 */
export function serveWorkerJobs<Job extends { id: number }, Result>(
  port: {
    on(event: 'message', listener: (job: Job) => void): void;
    postMessage(reply: unknown, transfer: ArrayBuffer[]): void;
  },
  handle: (
    job: Job,
    progress: (done: number, total: number, message: string) => void,
  ) => Result | Promise<Result>,
  transferOf: (result: Result) => ArrayBuffer[],
  fallbackCode: ErrorCode,
): void {
  port.on('message', (job) => {
    const progress = (done: number, total: number, message: string): void => {
      const reply: WorkerReply<Result> = { id: job.id, progress: { done, total, message } };
      port.postMessage(reply, []);
    };
    void (async () => handle(job, progress))().then(
      (result) => {
        const reply: WorkerReply<Result> = { id: job.id, ok: true, result };
        port.postMessage(reply, transferOf(result));
      },
      (error: unknown) => {
        const reply: WorkerReply<Result> = {
          id: job.id,
          ok: false,
          code: isCipherLensError(error) ? error.code : fallbackCode,
          message: error instanceof Error ? error.message : String(error),
        };
        port.postMessage(reply, []);
      },
    );
  });
}
