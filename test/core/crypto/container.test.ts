import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createImageCipher } from '../../../src/core/crypto/cipher.js';
import { CONDITIONS } from '../../../src/core/crypto/condition.js';
import {
  CONTAINER_MAGIC,
  decryptContainer,
  encryptToContainer,
  openContainer,
  readContainerHeader,
  sealCiphertext,
} from '../../../src/core/crypto/container.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { deriveSubkey } from '../../../src/core/crypto/subkeys.js';
import { errorOf } from './error-of.js';

const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i * 7));
const otherKey = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i * 11));
const size = 6;
const plain = Uint8Array.from({ length: size * size }, (_, i) => (i * 53) & 255);

/** Re-sign modified bytes with the right key, to test checks that come after the MAC. */
const resign = (bytes: Uint8Array): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  const mac = createHmac('sha256', deriveSubkey(key.bytes, 'mac'))
    .update(copy.subarray(0, copy.length - 32))
    .digest();
  copy.set(mac, copy.length - 32);
  return copy;
};

describe('container', () => {
  it('round-trips every condition with its header and metadata', () => {
    for (const condition of CONDITIONS) {
      const bytes = encryptToContainer(key, condition, size, plain, { name: 'scan 1.png', label: 'Hand' });
      expect(bytes.length).toBe(34 + '{"name":"scan 1.png","label":"Hand"}'.length + size * size + 32);
      expect([...bytes.subarray(0, 8)]).toEqual([...CONTAINER_MAGIC]);
      const header = readContainerHeader(bytes);
      expect(header).toMatchObject({ version: 1, condition, size, keyFingerprint: key.fingerprint });
      expect(header.parametersId).toBe(createImageCipher(key, condition, size).parametersId);
      const opened = decryptContainer(key, bytes);
      expect(Buffer.from(opened.pixels).equals(Buffer.from(plain))).toBe(true);
      expect(opened.metadata).toEqual({ name: 'scan 1.png', label: 'Hand' });
      expect(
        Buffer.from(opened.ciphertext).equals(
          Buffer.from(createImageCipher(key, condition, size).encrypt(plain)),
        ),
      ).toBe(true);
    }
  });

  it('stores no metadata when none is given', () => {
    const bytes = encryptToContainer(key, 'xor', size, plain);
    expect(bytes.length).toBe(34 + size * size + 32);
    expect(openContainer(key, bytes).metadata).toEqual({});
  });

  it('names both fingerprints when the key is wrong, before checking the MAC', () => {
    const bytes = encryptToContainer(key, 'arnold+xor', size, plain);
    const error = errorOf(() => decryptContainer(otherKey, bytes, 'a.clens'));
    expect(error.code).toBe('WRONG_KEY');
    expect(error.message).toBe(
      `wrong key (a.clens was encrypted with key fingerprint ${key.fingerprint}, active key is ${otherKey.fingerprint})`,
    );
  });

  it('never returns pixels from a file with any single bit flipped', () => {
    for (const condition of ['arnold+xor', 'plain'] as const) {
      const bytes = encryptToContainer(key, condition, size, plain, { name: 'x.png' });
      const codes = new Set<string>();
      for (let offset = 0; offset < bytes.length; offset++) {
        for (const bit of [0, 7]) {
          const damaged = Uint8Array.from(bytes);
          damaged[offset] = damaged[offset]! ^ (1 << bit);
          const error = errorOf(() => decryptContainer(key, damaged));
          expect(error.code, `offset ${offset} bit ${bit}`).toMatch(
            /^(BAD_FORMAT|TRUNCATED|WRONG_KEY|INTEGRITY)$/,
          );
          codes.add(error.code!);
        }
      }
      expect(codes).toEqual(new Set(['BAD_FORMAT', 'TRUNCATED', 'WRONG_KEY', 'INTEGRITY']));
    }
  });

  it('says "integrity check failed" for a modified pixel', () => {
    const bytes = encryptToContainer(key, 'arnold', size, plain);
    bytes[34 + 5] = bytes[34 + 5]! ^ 0x10;
    const error = errorOf(() => decryptContainer(key, bytes, 'b.clens'));
    expect(error.code).toBe('INTEGRITY');
    expect(error.message).toBe('integrity check failed: b.clens was modified or damaged');
  });

  it('reports every truncation as TRUNCATED, and garbage, empty and padded files as BAD_FORMAT', () => {
    const bytes = encryptToContainer(key, 'xor', size, plain);
    for (let length = 1; length < bytes.length; length++) {
      expect(errorOf(() => decryptContainer(key, bytes.subarray(0, length))).code, `length ${length}`).toBe(
        'TRUNCATED',
      );
    }
    expect(errorOf(() => decryptContainer(key, new Uint8Array(0))).code).toBe('BAD_FORMAT');
    expect(
      errorOf(() => decryptContainer(key, Buffer.from('GIF89a garbage that is long enough to be a header')))
        .code,
    ).toBe('BAD_FORMAT');
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(errorOf(() => decryptContainer(key, padded)).message).toMatch(/1 unexpected bytes/);
  });

  it('refuses unknown versions, conditions, flags and sizes with clear messages', () => {
    const bytes = encryptToContainer(key, 'xor', size, plain);
    const patched = (offset: number, value: number): Uint8Array => {
      const copy = Uint8Array.from(bytes);
      copy[offset] = value;
      return copy;
    };
    expect(errorOf(() => readContainerHeader(patched(8, 3))).message).toMatch(/container version 3/);
    expect(errorOf(() => readContainerHeader(patched(9, 9))).message).toMatch(/unknown condition code 9/);
    expect(errorOf(() => readContainerHeader(patched(11, 1))).message).toMatch(/flags/);
    expect(errorOf(() => readContainerHeader(patched(12, 1))).code).toBe('BAD_FORMAT');
  });

  it('refuses an authentic container whose Arnold parameters this build does not derive', () => {
    const bytes = encryptToContainer(key, 'arnold', size, plain);
    const changed = Uint8Array.from(bytes);
    changed[24] = changed[24]! ^ 1;
    const error = errorOf(() => decryptContainer(key, resign(changed)));
    expect(error.code).toBe('BAD_FORMAT');
    expect(error.message).toMatch(/encryption spec mismatch/);
  });

  it('checks what it seals', () => {
    expect(errorOf(() => sealCiphertext(key, 'xor', size, new Uint8Array(5))).code).toBe('BAD_SIZE');
    expect(errorOf(() => encryptToContainer(key, 'xor', size, plain, { name: 'x'.repeat(2000) })).code).toBe(
      'BAD_INPUT',
    );
  });
});
