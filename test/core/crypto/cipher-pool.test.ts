import { afterAll, describe, expect, it } from 'vitest';
import { createImageCipher } from '../../../src/core/crypto/cipher.js';
import { OFF_LOOP_MIN_PIXELS, OffLoopCipher } from '../../../src/core/crypto/cipher-pool.js';
import { decryptContainer } from '../../../src/core/crypto/container.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';

const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff));
const pool = new OffLoopCipher();
afterAll(() => pool.close());

function image(size: number): Uint8Array {
  return Uint8Array.from({ length: size * size }, (_, i) => (i * 7 + (i >> 9)) & 0xff);
}

describe('OffLoopCipher', () => {
  // 1024² is the first size that goes to the worker; 64² stays on the calling thread.
  it.each([64, Math.sqrt(OFF_LOOP_MIN_PIXELS)])('gives the in-place cipher’s bytes at %i²', async (size) => {
    const plain = image(size);
    const expected = createImageCipher(key, 'arnold+xor', size).encrypt(plain);
    const encrypted = await pool.encrypt(key, 'arnold+xor', size, plain);
    expect(Buffer.from(encrypted).equals(Buffer.from(expected))).toBe(true);
    // The caller's pixels are not handed away.
    expect(plain.length).toBe(size * size);
    const decrypted = await pool.decrypt(key, 'arnold+xor', size, encrypted);
    expect(Buffer.from(decrypted).equals(Buffer.from(plain))).toBe(true);
  });

  it('seals a container that opens with the key, in the worker', async () => {
    const size = 1024;
    const plain = image(size);
    const { ciphertext, container } = await pool.seal(key, 'xor', size, plain, {
      name: 'big.png',
      label: 'CT',
    });
    const opened = decryptContainer(key, container);
    expect(opened.metadata).toEqual({ name: 'big.png', label: 'CT' });
    expect(Buffer.from(opened.pixels).equals(Buffer.from(plain))).toBe(true);
    expect(Buffer.from(opened.ciphertext).equals(Buffer.from(ciphertext))).toBe(true);
  });

  it('reports a bad size as the cipher does, and refuses work once closed', async () => {
    const other = new OffLoopCipher();
    await expect(other.encrypt(key, 'arnold', 1024, new Uint8Array(1024 * 1024 - 1))).rejects.toMatchObject({
      code: 'BAD_SIZE',
    });
    await other.close();
    await expect(other.encrypt(key, 'xor', 2048, new Uint8Array(2048 * 2048))).rejects.toThrow(/closed/);
  });
});
