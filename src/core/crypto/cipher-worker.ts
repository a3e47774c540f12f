import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { serveWorkerJobs } from '../workers/worker-pool.js';
import { createImageCipher } from './cipher.js';
import type { Condition } from './condition.js';
import { type ContainerMetadata, sealCiphertext } from './container.js';
import { type CipherKey, keyFromBytes } from './keys.js';

/**
 * The keys this worker has been sent, by a hash of their bytes: the ciphers built for a key live on its object
 * (cipher.ts), so reusing the object makes a run of large images of one key build the tables once. State of this
 * worker thread alone; it ends with the thread (the pool stops idle workers). A rotation alternates two keys.
 */
const KEYS_KEPT = 4;
const keys = new Map<string, CipherKey>();

function keyOf(bytes: Uint8Array): CipherKey {
  const id = createHash('sha256').update(bytes).digest('base64');
  const key = keys.get(id) ?? keyFromBytes(bytes);
  keys.delete(id);
  keys.set(id, key);
  if (keys.size > KEYS_KEPT) keys.delete(keys.keys().next().value as string);
  return key;
}

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
    const key = keyOf(job.keyBytes);
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
