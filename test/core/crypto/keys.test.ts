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
  saveKeyFile,
  serializeKey,
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

  it('refuses an empty passphrase instead of silently saving in clear', () => {
    expect(errorOf(() => serializeKey(keyFromBytes(bytes), { passphrase: '' })).code).toBe('BAD_PASSPHRASE');
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

  it('detects damaged protection fields without crashing or allocating absurd memory', () => {
    const good = JSON.parse(serializeKey(keyFromBytes(bytes), { passphrase: 'pw' })) as {
      protection: Record<string, unknown>;
    };
    const damaged = (change: Record<string, unknown>): string =>
      JSON.stringify({ ...good, protection: { ...good.protection, ...change } });
    expect(errorOf(() => parseKey(damaged({ salt: 5 }), 'pw')).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ N: 2 ** 40 }), 'pw')).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ N: 1000 }), 'pw')).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ iv: 'AAAA' }), 'pw')).code).toBe('BAD_FORMAT');
    expect(errorOf(() => parseKey(damaged({ kdf: 'md5' }), 'pw')).code).toBe('BAD_FORMAT');
    const tampered = Buffer.from(good.protection.ciphertext as string, 'base64');
    tampered[0] = tampered[0]! ^ 1;
    expect(errorOf(() => parseKey(damaged({ ciphertext: tampered.toString('base64') }), 'pw')).code).toBe(
      'BAD_PASSPHRASE',
    );
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
