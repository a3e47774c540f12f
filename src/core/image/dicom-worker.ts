import { parentPort } from 'node:worker_threads';
import { serveWorkerJobs } from '../workers/worker-pool.js';
import { decodeDicom, type DecodedDicom, type DicomDecodeOptions } from './dicom.js';

/** One DICOM decode, off the event loop (dicom-pool.ts): parsing, codecs (WASM) and windowing. */
export interface DicomJob {
  id: number;
  bytes: Uint8Array;
  options: DicomDecodeOptions;
}

serveWorkerJobs<DicomJob, DecodedDicom>(
  parentPort!,
  (job) => decodeDicom(job.bytes, job.options),
  (image) => [image.pixels.buffer as ArrayBuffer, image.modality.buffer as ArrayBuffer],
  'IMAGE_DECODE',
);
