import { parentPort } from 'node:worker_threads';
import { isCipherLensError } from '../errors.js';
import { decodeDicom, type DecodedDicom, type DicomDecodeOptions } from './dicom.js';

/** One DICOM decode, off the event loop (dicom-pool.ts): parsing, codecs (WASM) and windowing. */
export interface DicomJob {
  id: number;
  bytes: Uint8Array;
  options: DicomDecodeOptions;
}

export type DicomReply =
  { id: number; ok: true; image: DecodedDicom } | { id: number; ok: false; code: string; message: string };

parentPort!.on('message', (job: DicomJob) => {
  void decodeDicom(job.bytes, job.options).then(
    (image) => {
      const reply: DicomReply = { id: job.id, ok: true, image };
      const transfer = [image.pixels.buffer as ArrayBuffer, image.modality.buffer as ArrayBuffer];
      parentPort!.postMessage(reply, transfer);
    },
    (error: unknown) => {
      const reply: DicomReply = {
        id: job.id,
        ok: false,
        code: isCipherLensError(error) ? error.code : 'IMAGE_DECODE',
        message: error instanceof Error ? error.message : String(error),
      };
      parentPort!.postMessage(reply);
    },
  );
});
