import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildImageCipher, createImageCipher, forgetCiphers } from '../../../src/core/crypto/cipher.js';
import { CONDITIONS, type Condition } from '../../../src/core/crypto/condition.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { buildKeystream } from '../../../src/core/crypto/keystream.js';
import { deriveSubkey } from '../../../src/core/crypto/subkeys.js';

const keyArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => keyFromBytes(bytes));
const fixedKey = (seed: number) =>
  keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (seed * 97 + i * 13) & 255));
const randomImages = (size: number, count: number, seed = 1): Uint8Array => {
  let state = seed >>> 0 || 1;
  return Uint8Array.from({ length: size * size * count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state & 255;
  });
};
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('round trip', () => {
  for (const condition of CONDITIONS) {
    it(`decrypt(encrypt(x)) = x for ${condition}, random keys, sizes 2–130 and batches`, () => {
      fc.assert(
        fc.property(
          keyArbitrary,
          fc.integer({ min: 2, max: 130 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer(),
          (key, size, count, seed) => {
            const cipher = createImageCipher(key, condition, size);
            const plain = randomImages(size, count, seed);
            const encrypted = new Uint8Array(plain.length);
            const decrypted = new Uint8Array(plain.length);
            cipher.encryptBatch(plain, encrypted);
            cipher.decryptBatch(encrypted, decrypted);
            expect(same(decrypted, plain)).toBe(true);
            // Batch and single-image paths agree.
            const first = cipher.encrypt(plain.subarray(0, size * size));
            expect(same(first, encrypted.subarray(0, size * size))).toBe(true);
            if (condition !== 'plain' && size >= 4) expect(same(encrypted, plain)).toBe(false);
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it('round-trips through the byte path: odd sizes, sizes not a multiple of 4, unaligned buffers', () => {
    const key = fixedKey(3);
    for (const condition of CONDITIONS) {
      for (const size of [2, 3, 5, 6, 7, 9, 10, 27, 29, 30]) {
        const cipher = createImageCipher(key, condition, size);
        const plain = randomImages(size, 5, size);
        const backing = new Uint8Array(plain.length * 2 + 3);
        const encrypted = backing.subarray(1, 1 + plain.length);
        const decrypted = backing.subarray(2 + plain.length, 2 + 2 * plain.length);
        cipher.encryptBatch(plain, encrypted, 5);
        cipher.decryptBatch(encrypted, decrypted, 5);
        expect(same(decrypted, plain), `${condition} ${size}`).toBe(true);
      }
    }
  });

  it('round-trips large images: 1024 for every condition and 4096 once', () => {
    const key = fixedKey(4);
    for (const condition of CONDITIONS) {
      const cipher = createImageCipher(key, condition, 1024);
      const plain = randomImages(1024, 1, 5);
      expect(same(cipher.decrypt(cipher.encrypt(plain)), plain)).toBe(true);
    }
    const cipher = createImageCipher(key, 'arnold+xor', 4096);
    const plain = randomImages(4096, 1, 6);
    const encrypted = cipher.encrypt(plain);
    expect(same(encrypted, plain)).toBe(false);
    expect(same(cipher.decrypt(encrypted), plain)).toBe(true);
    forgetCiphers(key);
  });
});

describe('kernels', () => {
  it('WebAssembly and JavaScript kernels agree, across 4-image groups, remainders and chunk boundaries', () => {
    const key = fixedKey(11);
    for (const size of [4, 8, 28, 64]) {
      // 64×64 stages 128 images per chunk: 300 crosses two chunk boundaries and ends on a remainder.
      for (const count of size === 64 ? [1, 300] : [1, 2, 3, 4, 5, 7, 9]) {
        const plain = randomImages(size, count, size + count);
        for (const condition of CONDITIONS) {
          const wasm = buildImageCipher(key, condition, size, { kernel: 'wasm' });
          const js = buildImageCipher(key, condition, size, { kernel: 'js' });
          expect(wasm.kernel).toBe(condition === 'plain' ? 'js' : 'wasm');
          expect(js.kernel).toBe('js');
          const a = new Uint8Array(plain.length);
          const b = new Uint8Array(plain.length);
          wasm.encryptBatch(plain, a);
          js.encryptBatch(plain, b);
          expect(same(a, b), `${condition} ${size} ×${count}`).toBe(true);
          wasm.decryptBatch(a, b);
          expect(same(b, plain), `${condition} ${size} ×${count} decrypt`).toBe(true);
        }
      }
    }
  });

  it('uses WebAssembly only where N² is a multiple of 16', () => {
    const key = fixedKey(12);
    expect(createImageCipher(key, 'arnold+xor', 28).kernel).toBe('wasm');
    expect(createImageCipher(key, 'arnold+xor', 30).kernel).toBe('js');
    expect(() => buildImageCipher(key, 'xor', 30, { kernel: 'wasm' })).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });
});

describe('conditions', () => {
  const key = fixedKey(5);
  const size = 16;
  const plain = randomImages(size, 1, 9);
  const encrypt = (condition: Condition) => createImageCipher(key, condition, size).encrypt(plain);

  it('plain is the identity', () => {
    expect(same(encrypt('plain'), plain)).toBe(true);
  });

  it('arnold only moves pixels (same histogram), xor only changes values (AES-CTR keystream)', () => {
    const permuted = encrypt('arnold');
    expect([...permuted].sort()).toEqual([...plain].sort());
    const keystream = createCipheriv('aes-256-ctr', deriveSubkey(key.bytes, 'keystream'), ivFor(size)).update(
      new Uint8Array(size * size),
    );
    const xored = encrypt('xor');
    expect(xored.every((v, i) => v === (plain[i]! ^ keystream[i]!))).toBe(true);
  });

  it('arnold+xor permutes first, then XORs', () => {
    const keystream = buildKeystream(key.bytes, size, size);
    const both = encrypt('arnold+xor');
    const permuted = encrypt('arnold');
    expect(both.every((v, i) => v === (permuted[i]! ^ keystream[i]!))).toBe(true);
  });

  it('an all-zero image encrypts to the keystream itself under xor (the documented two-time-pad weakness)', () => {
    const zero = new Uint8Array(size * size);
    expect(
      same(createImageCipher(key, 'xor', size).encrypt(zero), buildKeystream(key.bytes, size, size)),
    ).toBe(true);
  });
});

function ivFor(size: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(size, 0);
  iv.writeUInt32BE(size, 4);
  return iv;
}

describe('keys', () => {
  it('different keys give different permutations and keystreams', () => {
    const a = fixedKey(1);
    const b = fixedKey(2);
    const plain = randomImages(28, 1, 3);
    expect(same(buildKeystream(a.bytes, 28, 28), buildKeystream(b.bytes, 28, 28))).toBe(false);
    expect(
      same(
        createImageCipher(a, 'arnold', 28).encrypt(plain),
        createImageCipher(b, 'arnold', 28).encrypt(plain),
      ),
    ).toBe(false);
    expect(createImageCipher(a, 'arnold', 28).parametersId).not.toBe(
      createImageCipher(b, 'arnold', 28).parametersId,
    );
  });

  it('different shapes get unrelated keystreams, never a repeated 32-byte key', () => {
    const key = fixedKey(1);
    const small = buildKeystream(key.bytes, 28, 28);
    const large = buildKeystream(key.bytes, 64, 64);
    expect(same(small, large.subarray(0, small.length))).toBe(false);
    expect(same(large.subarray(0, 32), large.subarray(32, 64))).toBe(false);
  });

  it('caches one cipher per (condition, size) on the key object: another load of the key shares nothing', () => {
    const key = fixedKey(7);
    expect(createImageCipher(key, 'xor', 28)).toBe(createImageCipher(key, 'xor', 28));
    expect(createImageCipher(key, 'xor', 28)).not.toBe(createImageCipher(key, 'arnold+xor', 28));
    expect(createImageCipher(key, 'xor', 28)).not.toBe(createImageCipher(key, 'xor', 32));
    expect(createImageCipher(keyFromBytes(key.bytes), 'xor', 28)).not.toBe(createImageCipher(key, 'xor', 28));
    const forged = { ...fixedKey(8), fingerprint: key.fingerprint };
    expect(createImageCipher(forged, 'xor', 28)).not.toBe(createImageCipher(key, 'xor', 28));
    const before = createImageCipher(key, 'xor', 28);
    forgetCiphers(key);
    expect(createImageCipher(key, 'xor', 28)).not.toBe(before);
  });
});

describe('bad input', () => {
  const key = fixedKey(6);

  it('refuses images of the wrong length and unsupported sizes', () => {
    const cipher = createImageCipher(key, 'arnold+xor', 8);
    expect(() => cipher.encrypt(new Uint8Array(63))).toThrow(expect.objectContaining({ code: 'BAD_SIZE' }));
    expect(() => cipher.encrypt(new Uint8Array(64), new Uint8Array(10))).toThrow(
      expect.objectContaining({ code: 'BAD_SIZE' }),
    );
    expect(() => createImageCipher(key, 'xor', 1)).toThrow(expect.objectContaining({ code: 'BAD_SIZE' }));
    expect(() => createImageCipher(key, 'xor', 8193)).toThrow(expect.objectContaining({ code: 'BAD_SIZE' }));
  });

  it('refuses batches that do not fit their buffers', () => {
    const cipher = createImageCipher(key, 'xor', 8);
    expect(() => cipher.encryptBatch(new Uint8Array(100), new Uint8Array(100))).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    expect(() => cipher.encryptBatch(new Uint8Array(128), new Uint8Array(64), 2)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    expect(() => cipher.encryptBatch(new Uint8Array(128), new Uint8Array(128), -1)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
  });

  it('refuses in-place permutation and partially overlapping buffers, allows in-place xor', () => {
    const permuting = createImageCipher(key, 'arnold', 8);
    const buffer = randomImages(8, 2, 1);
    expect(() => permuting.encryptBatch(buffer, buffer)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    const backing = new Uint8Array(200);
    expect(() =>
      createImageCipher(key, 'xor', 8).encryptBatch(backing.subarray(0, 64), backing.subarray(8, 72)),
    ).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    const xor = createImageCipher(key, 'xor', 8);
    const original = Uint8Array.from(buffer);
    xor.encryptBatch(buffer, buffer);
    xor.decryptBatch(buffer, buffer);
    expect(same(buffer, original)).toBe(true);
  });
});
