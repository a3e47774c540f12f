import { availableParallelism } from 'node:os';
import type { ErrorCode } from '../errors.js';
import { WorkerPool } from '../workers/worker-pool.js';
import { createImageCipher } from './cipher.js';
import type { CipherJob, CipherResult } from './cipher-worker.js';
import { type ContainerMetadata, sealCiphertext } from './container.js';
import type { Condition } from './condition.js';
import type { CipherKey } from './keys.js';

/**
 * Images with at least this many pixels are encrypted in a worker thread. Measured on a 2-core machine: a 512²
 * image takes ≈ 10 ms in place (cached tables), a 4096² one 0.3–0.6 s and an 8000² one up to 1.8 s, mostly
 * building its Arnold table — far above the 250 ms event-loop budget (docs/security.md). Below the threshold the
 * worker round trip (a copy each way) costs more than it saves.
 */
export const OFF_LOOP_MIN_PIXELS = 1024 * 1024;

/** Encrypts and decrypts single images, large ones off the event loop. Owned (and closed) by the back end. */
export class OffLoopCipher {
  private readonly pool = new WorkerPool<Omit<CipherJob, 'id'>, CipherResult>({
    callerUrl: import.meta.url,
    entry: 'cipher-worker',
    size: Math.max(1, Math.min(2, availableParallelism() - 1)),
    failureCode: 'INTERNAL' satisfies ErrorCode,
    what: 'the image cipher',
  });

  async encrypt(key: CipherKey, condition: Condition, size: number, pixels: Uint8Array): Promise<Uint8Array> {
    return (await this.run('encrypt', key, condition, size, pixels)).pixels;
  }

  async decrypt(key: CipherKey, condition: Condition, size: number, pixels: Uint8Array): Promise<Uint8Array> {
    return (await this.run('decrypt', key, condition, size, pixels)).pixels;
  }

  /** Encrypts and packs into a (version-1, unbound) container: the CLI's `encrypt`. */
  async seal(
    key: CipherKey,
    condition: Condition,
    size: number,
    pixels: Uint8Array,
    metadata: ContainerMetadata,
  ): Promise<{ ciphertext: Uint8Array; container: Uint8Array }> {
    const result = await this.run('seal', key, condition, size, pixels, metadata);
    return { ciphertext: result.pixels, container: result.container! };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async run(
    direction: CipherJob['direction'],
    key: CipherKey,
    condition: Condition,
    size: number,
    pixels: Uint8Array,
    metadata?: ContainerMetadata,
  ): Promise<CipherResult> {
    if (size * size < OFF_LOOP_MIN_PIXELS) {
      const cipher = createImageCipher(key, condition, size);
      if (direction === 'decrypt') return { pixels: cipher.decrypt(pixels) };
      const ciphertext = cipher.encrypt(pixels);
      if (direction === 'encrypt') return { pixels: ciphertext };
      return {
        pixels: ciphertext,
        container: sealCiphertext(key, condition, size, ciphertext, metadata ?? {}),
      };
    }
    // Copies: the caller keeps its pixels and the key; the worker's copy of the key lives only while it runs.
    const job = {
      direction,
      keyBytes: new Uint8Array(key.bytes),
      condition,
      size,
      pixels: new Uint8Array(pixels),
      ...(metadata && { metadata }),
    };
    return this.pool.run(job, [job.pixels.buffer]);
  }
}
