import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  flipKeyBit,
  generateKey,
  isPassphraseProtected,
  keyFingerprint,
  keyFromBytes,
  loadKeyFile,
  parseKey,
  parseKeyText,
  saveKeyFile,
  SCRYPT_BOUNDS,
  serializeKey,
  serializeKeyText,
} from '../../../src/core/crypto/keys.js';
import { errorOf } from './error-of.js';

let folder = '';
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cipherlens-keys-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const bytes = Uint8Array.from({ length: 32 }, (_, i) => i);
describe('keys', () => {
  it('generates distinct 32-byte keys with 16-hex fingerprints that are not the key', () => {
    const a = generateKey('a');
    const b = generateKey('b');
    expect(a.bytes).toHaveLength(32);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(Buffer.from(a.bytes).toString('hex')).not.toContain(a.fingerprint);
  });

  it('loads the public demo key with its published fingerprint', async () => {
    const demo = await loadKeyFile('resources/keys/demo.key');
    expect(demo.fingerprint).toBe('b574d9e46e54e965');
  });

  it('refuses keys of the wrong length', () => {
    expect(errorOf(() => keyFromBytes(new Uint8Array(31))).code).toBe('BAD_INPUT');
  });

  it('flips exactly one bit and validates the index', () => {
    const key = keyFromBytes(bytes);
    const flipped = flipKeyBit(key, 9);
    const differing = [...key.bytes].map((v, i) => v ^ flipped.bytes[i]!);
    expect(differing.filter((v) => v !== 0)).toEqual([2]);
    expect(flipped.fingerprint).not.toBe(key.fingerprint);
    for (const bad of [-1, 256, 1.5]) expect(errorOf(() => flipKeyBit(key, bad)).code).toBe('BAD_INPUT');
  });
});

describe('key files', () => {
  it('saves and loads without a passphrase, readable only by the owner', async () => {
    const key = keyFromBytes(bytes, 'test');
    const path = join(folder, 'plain.key');
    await saveKeyFile(path, key);
    const loaded = await loadKeyFile(path);
    expect(Buffer.from(loaded.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(loaded.label).toBe('test');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('saves and loads with a passphrase; the file holds no key bytes in clear', async () => {
    const key = keyFromBytes(bytes);
    const path = join(folder, 'protected.key');
    await saveKeyFile(path, key, { passphrase: 'correct horse' });
    const text = await readFile(path, 'utf8');
    expect(isPassphraseProtected(text)).toBe(true);
    expect(text).not.toContain(Buffer.from(bytes).toString('base64'));
    expect((await loadKeyFile(path, 'correct horse')).fingerprint).toBe(key.fingerprint);
    await expect(loadKeyFile(path)).rejects.toMatchObject({ code: 'BAD_PASSPHRASE' });
    await expect(loadKeyFile(path, 'wrong horse')).rejects.toMatchObject({
      code: 'BAD_PASSPHRASE',
      message: expect.stringMatching(/wrong passphrase/),
    });
  });

  it('refuses an empty passphrase instead of silently saving in clear', async () => {
    await expect(serializeKeyText(keyFromBytes(bytes), { passphrase: '' })).rejects.toMatchObject({
      code: 'BAD_PASSPHRASE',
    });
  });

  it('detects damaged key files', () => {
    const good = JSON.parse(serializeKey(keyFromBytes(bytes))) as Record<string, unknown>;
    const damaged = (change: Record<string, unknown>): string => JSON.stringify({ ...good, ...change });
    const otherKey = Buffer.from(bytes.map((v) => v ^ 1)).toString('base64');
    expect(errorOf(() => parseKey('{"format": "cipherlens-key", "vers')).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey('null')).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ format: 'other' }))).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ version: 2 }))).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ key: otherKey }))).code).toBe('INTEGRITY');
    expect(errorOf(() => parseKey(damaged({ key: 'AAAA' }))).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ key: 42 }))).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ key: '!!not base64!!' }))).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ fingerprint: undefined }))).code).toBe('BAD_FORMAT');
  });

  it('detects damaged protection fields without crashing or allocating absurd memory', async () => {
    const good = JSON.parse(await serializeKeyText(keyFromBytes(bytes), { passphrase: 'pw' })) as {
      protection: Record<string, unknown>;
    };
    const damaged = (change: Record<string, unknown>): string =>
      JSON.stringify({ ...good, protection: { ...good.protection, ...change } });
    const codeOf = async (text: string): Promise<unknown> =>
      parseKeyText(text, 'pw').then(
        () => 'opened',
        (error: { code?: unknown }) => error.code,
      );
    expect(await codeOf(damaged({ salt: 5 }))).toBe('BAD_FORMAT');
    expect(await codeOf(damaged({ N: 2 ** 40 }))).toBe('BAD_FORMAT');
    expect(await codeOf(damaged({ N: 1000 }))).toBe('BAD_FORMAT');
    expect(await codeOf(damaged({ iv: 'AAAA' }))).toBe('BAD_FORMAT');
    expect(await codeOf(damaged({ kdf: 'md5' }))).toBe('BAD_FORMAT');
    const tampered = Buffer.from(good.protection.ciphertext as string, 'base64');
    tampered[0] = tampered[0]! ^ 1;
    expect(await codeOf(damaged({ ciphertext: tampered.toString('base64') }))).toBe('BAD_PASSPHRASE');
  });

  it('refuses scrypt costs beyond what CipherLens writes plus a margin, before deriving anything', async () => {
    const good = JSON.parse(await serializeKeyText(keyFromBytes(bytes), { passphrase: 'pw' })) as {
      protection: { N: number; r: number; p: number };
    };
    // What CipherLens writes is inside the bounds, with room for one doubling.
    expect(good.protection).toMatchObject({ N: 2 ** 15, r: 8, p: 1 });
    expect(good.protection.N * 2).toBeLessThanOrEqual(SCRYPT_BOUNDS.maxN);
    const damaged = (change: Record<string, unknown>): string =>
      JSON.stringify({ ...good, protection: { ...good.protection, ...change } });
    // Each of these was accepted before and held the event loop for seconds (N=2^20, r=2, p=16: ~23 s).
    for (const change of [
      { N: 2 ** 20, r: 2, p: 16 },
      { N: 2 ** 17 },
      { r: 16 },
      { p: 3 },
      { N: 2 ** 16, r: 16 },
    ]) {
      const started = performance.now();
      await expect(parseKeyText(damaged(change), 'pw')).rejects.toMatchObject({
        code: 'BAD_FORMAT',
        message: expect.stringMatching(/scrypt parameters/),
      });
      expect(performance.now() - started).toBeLessThan(50);
    }
  });

  it('derives the wrapping key off the event loop: timers keep firing while scrypt runs', async () => {
    const text = await serializeKeyText(keyFromBytes(bytes), { passphrase: 'correct horse' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // A few derivations at once (~100 ms each on one core): a synchronous scrypt would starve the timer.
      const keys = await Promise.all([1, 2, 3].map(() => parseKeyText(text, 'correct horse')));
      expect(keys.every((key) => key.fingerprint === keyFromBytes(bytes).fingerprint)).toBe(true);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(5);
  });

  it('opens only unprotected key files synchronously', async () => {
    const text = await serializeKeyText(keyFromBytes(bytes), { passphrase: 'correct horse' });
    expect(errorOf(() => parseKey(text)).code).toBe('BAD_PASSPHRASE');
    expect(errorOf(() => parseKey(text, 'correct horse')).code).toBe('INTERNAL');
    expect(parseKey(serializeKey(keyFromBytes(bytes))).fingerprint).toBe(keyFromBytes(bytes).fingerprint);
  });

  it('reports missing and oversized files clearly', async () => {
    await expect(loadKeyFile(join(folder, 'missing.key'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const big = join(folder, 'big.key');
    await writeFile(big, Buffer.alloc(200_000, 32));
    await expect(loadKeyFile(big)).rejects.toMatchObject({ code: 'BAD_FORMAT' });
  });

  it('derives the fingerprint from the key bytes only', () => {
    expect(keyFingerprint(bytes)).toBe(keyFromBytes(bytes, 'any label').fingerprint);
  });
});
