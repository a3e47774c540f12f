import { describe, expect, it } from 'vitest';
import { matrixFromGather } from '../../../src/core/attacks/sl2.js';
import { cipherTables, createImageCipher } from '../../../src/core/crypto/cipher.js';
import { CONDITION_REGISTRY, CONDITIONS, permutationOf } from '../../../src/core/crypto/condition.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { buildUniformPlan } from '../../../src/core/crypto/uniform.js';

const keyOf = (seed: number) =>
  keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7) & 255));

describe('keyed uniform permutation (Fisher–Yates over AES-CTR)', () => {
  it('is a deterministic bijection per key and size, and differs between keys and sizes', () => {
    const a = buildUniformPlan(keyOf(1).bytes, 28);
    expect([...a.gather].sort((x, y) => x - y)).toEqual(Array.from({ length: 784 }, (_, i) => i));
    expect(buildUniformPlan(keyOf(1).bytes, 28)).toEqual(a);
    const other = buildUniformPlan(keyOf(2).bytes, 28);
    expect(other.gather).not.toEqual(a.gather);
    expect(other.parametersId).not.toBe(a.parametersId);
    expect(buildUniformPlan(keyOf(1).bytes, 29).parametersId).not.toBe(a.parametersId);
    expect(a.parametersId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reaches every permutation of 4 pixels about equally often over many keys', () => {
    const counts = new Map<string, number>();
    const keys = 2400;
    for (let k = 0; k < keys; k++) {
      const bytes = new Uint8Array(32);
      new DataView(bytes.buffer).setUint32(0, k);
      const table = [...buildUniformPlan(bytes, 2).gather].join('');
      counts.set(table, (counts.get(table) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    // Expected 100 each; ±50 is more than 5 standard deviations (σ ≈ 9.8).
    for (const count of counts.values()) expect(Math.abs(count - 100)).toBeLessThan(50);
  });

  it('is not an SL2(Z/N) map: the Arnold enumeration has nothing to find', () => {
    expect(matrixFromGather(buildUniformPlan(keyOf(3).bytes, 64).gather, 64)).toBeNull();
  });

  it('runs through the one cipher for uniform and uniform+xor, round trip and table agreement', () => {
    const key = keyOf(4);
    const plain = Uint8Array.from({ length: 64 * 64 }, (_, i) => (i * 13) & 255);
    for (const condition of ['uniform', 'uniform+xor'] as const) {
      const cipher = createImageCipher(key, condition, 64);
      const encrypted = cipher.encrypt(plain);
      expect(cipher.decrypt(encrypted)).toEqual(plain);
      expect(cipher.arnold).toBeNull();
      expect(cipher.parametersId).toBe(buildUniformPlan(key.bytes, 64).parametersId);
      const tables = cipherTables(key, condition, 64);
      for (let i = 0; i < plain.length; i++) {
        expect(encrypted[i]).toBe(plain[tables.gather![i]!]! ^ (tables.keystream?.[i] ?? 0));
      }
    }
  });
});

describe('condition registry', () => {
  it('gives every condition a unique container code and a kernel for its permutation', () => {
    const codes = CONDITIONS.map((c) => CONDITION_REGISTRY[c].code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of CONDITIONS) {
      expect(permutationOf(c) === null).toBe(CONDITION_REGISTRY[c].permutation === null);
    }
  });
});
