import { availableParallelism } from 'node:os';
import { WorkerPool } from '../workers/worker-pool.js';
import type { DecodedDicom, DicomDecodeOptions } from './dicom.js';
import type { DicomJob } from './dicom-worker.js';

/** Worker threads decoding DICOM at most at once (the decode budget bounds them too). */
export const DICOM_WORKERS = Math.max(1, Math.min(2, availableParallelism() - 1));

/**
 * DICOM decoding off the event loop. dicom-parser, the codecs and the windowing are JavaScript and WebAssembly:
 * an 8192² 16-bit file held the browser host's event loop (or, in Electron, the whole app) for about 20 s. Each
 * decode runs in a worker thread; a worker that crashes fails its decode only (IMAGE_DECODE), the next decode
 * starts a new one, and idle workers stop after 30 s without keeping the process alive. Process-wide on purpose:
 * it holds no data between decodes, and every caller of readImage shares the one budget of threads.
 */
const pool = new WorkerPool<Omit<DicomJob, 'id'>, DecodedDicom>({
  callerUrl: import.meta.url,
  entry: 'dicom-worker',
  size: DICOM_WORKERS,
  failureCode: 'IMAGE_DECODE',
  what: 'the DICOM decoder',
});

/** decodeDicom, in a worker thread. */
export function decodeDicomOffThread(bytes: Uint8Array, options: DicomDecodeOptions): Promise<DecodedDicom> {
  return pool.run({ bytes, options });
}
