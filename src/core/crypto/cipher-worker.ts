import { parentPort } from 'node:worker_threads';
import { serveWorkerJobs } from '../workers/worker-pool.js';
import { createImageCipher } from './cipher.js';
import type { Condition } from './condition.js';
import { type ContainerMetadata, sealCiphertext } from './container.js';
import { keyFromBytes } from './keys.js';

/** One image encrypted or decrypted off the event loop (cipher-pool.ts). */
export interface CipherJob {
  id: number;
  /** `seal`: encrypt, then pack the ciphertext into a container with `metadata` (the HMAC runs here too). */
  direction: 'encrypt' | 'decrypt' | 'seal';
  keyBytes: Uint8Array;
  condition: Condition;
  size: number;
  pixels: Uint8Array;
  metadata?: ContainerMetadata;
}

export interface CipherResult {
  pixels: Uint8Array;
  /** The sealed container, for `seal`. */
  container?: Uint8Array;
}

serveWorkerJobs<CipherJob, CipherResult>(
  parentPort!,
  (job) => {
    // The worker keeps its own table cache (cipher.ts): a run of large images of one key builds it once.
    const key = keyFromBytes(job.keyBytes);
    const cipher = createImageCipher(key, job.condition, job.size);
    if (job.direction === 'decrypt') return { pixels: cipher.decrypt(job.pixels) };
    const pixels = cipher.encrypt(job.pixels);
    if (job.direction === 'encrypt') return { pixels };
    return { pixels, container: sealCiphertext(key, job.condition, job.size, pixels, job.metadata ?? {}) };
  },
  (result) => [
    result.pixels.buffer as ArrayBuffer,
    ...(result.container ? [result.container.buffer as ArrayBuffer] : []),
  ],
  'INTERNAL',
);
