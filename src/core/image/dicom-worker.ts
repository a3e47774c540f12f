import { parentPort } from 'node:worker_threads';
import { isCipherLensError } from '../errors.js';
import { decodeDicom, type DicomDecodeOptions } from './dicom.js';

/** One DICOM decode, off the event loop (dicom-pool.ts): parsing and windowing are plain JavaScript. */
export interface DicomJob {
  id: number;
  bytes: Uint8Array;
  options: DicomDecodeOptions;
}

export type DicomReply =
  | { id: number; ok: true; image: ReturnType<typeof decodeDicom> }
  | { id: number; ok: false; code: string; message: string };

parentPort!.on('message', (job: DicomJob) => {
  let reply: DicomReply;
  try {
    reply = { id: job.id, ok: true, image: decodeDicom(job.bytes, job.options) };
  } catch (error) {
    reply = {
      id: job.id,
      ok: false,
      code: isCipherLensError(error) ? error.code : 'IMAGE_DECODE',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  const transfer = reply.ok ? [reply.image.pixels.buffer as ArrayBuffer] : [];
  parentPort!.postMessage(reply, transfer);
});
