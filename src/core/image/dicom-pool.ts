import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { CipherLensError, type ErrorCode } from '../errors.js';
import { startModuleWorker } from '../workers/worker-thread.js';
import type { DecodedDicom, DicomDecodeOptions } from './dicom.js';
import type { DicomJob, DicomReply } from './dicom-worker.js';

/** Worker threads decoding DICOM at most at once (the decode budget bounds them too). */
export const DICOM_WORKERS = Math.max(1, Math.min(2, availableParallelism() - 1));
/** An idle worker is stopped after this long; the next decode starts a fresh one. */
const IDLE_MS = 30_000;

interface PoolWorker {
  worker: Worker;
  job: { id: number; resolve: (image: DecodedDicom) => void; reject: (error: Error) => void } | null;
  idleTimer: NodeJS.Timeout | null;
}

interface Pending {
  job: DicomJob;
  resolve: (image: DecodedDicom) => void;
  reject: (error: Error) => void;
}

/**
 * DICOM decoding off the event loop. dicom-parser and the windowing are plain JavaScript: an 8192² 16-bit file
 * held the browser host's event loop (or, in Electron, the whole app) for about 20 s. Here each decode runs in a
 * worker thread (started like the inference worker, worker-thread.ts); the event loop only waits for the reply.
 * A worker that crashes fails its decode only; the next decode starts a new one.
 */
class DicomPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;

  decode(bytes: Uint8Array, options: DicomDecodeOptions): Promise<DecodedDicom> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, bytes, options }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let free = this.workers.find((w) => w.job === null);
      if (!free && this.workers.length < DICOM_WORKERS) free = this.spawn();
      if (!free) return;
      const { job, resolve, reject } = this.queue.shift()!;
      if (free.idleTimer) clearTimeout(free.idleTimer);
      free.idleTimer = null;
      free.job = { id: job.id, resolve, reject };
      free.worker.ref();
      free.worker.postMessage(job);
    }
  }

  private spawn(): PoolWorker {
    const entry: PoolWorker = {
      worker: startModuleWorker(import.meta.url, 'dicom-worker'),
      job: null,
      idleTimer: null,
    };
    const fail = (error: Error): void => {
      this.remove(entry);
      entry.job?.reject(error);
      entry.job = null;
      this.dispatch();
    };
    entry.worker.on('message', (reply: DicomReply) => {
      const job = entry.job;
      if (!job || job.id !== reply.id) return;
      entry.job = null;
      if (reply.ok) job.resolve(reply.image);
      else job.reject(new CipherLensError(reply.code as ErrorCode, reply.message));
      this.idle(entry);
      this.dispatch();
    });
    entry.worker.on('error', (error) =>
      fail(
        new CipherLensError('IMAGE_DECODE', `the DICOM decoder failed: ${error.message}`, { cause: error }),
      ),
    );
    entry.worker.on('exit', (code) =>
      fail(new CipherLensError('IMAGE_DECODE', `the DICOM decoder stopped (exit code ${code})`)),
    );
    this.workers.push(entry);
    return entry;
  }

  /** An idle worker does not keep the process alive, and stops after IDLE_MS. */
  private idle(entry: PoolWorker): void {
    entry.worker.unref();
    entry.idleTimer = setTimeout(() => {
      if (entry.job) return;
      this.remove(entry);
      void entry.worker.terminate();
    }, IDLE_MS);
    entry.idleTimer.unref();
  }

  private remove(entry: PoolWorker): void {
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    const index = this.workers.indexOf(entry);
    if (index >= 0) this.workers.splice(index, 1);
  }
}

const pool = new DicomPool();

/** decodeDicom, in a worker thread. */
export function decodeDicomOffThread(bytes: Uint8Array, options: DicomDecodeOptions): Promise<DecodedDicom> {
  return pool.decode(bytes, options);
}
