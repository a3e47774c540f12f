import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildVectors, type EncryptionVectors } from '../../../scripts/make-test-vectors.js';
import { arnoldParametersFromKey, buildArnoldPlan } from '../../../src/core/crypto/arnold.js';
import { createImageCipher } from '../../../src/core/crypto/cipher.js';
import { CONDITIONS } from '../../../src/core/crypto/condition.js';
import { decryptContainer, encryptToContainer } from '../../../src/core/crypto/container.js';
import { recordDigest } from '../../../src/core/workspace/item-binding.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { buildKeystream } from '../../../src/core/crypto/keystream.js';
import { deriveSubkey, type SubkeyLabel } from '../../../src/core/crypto/subkeys.js';
import { buildUniformPlan } from '../../../src/core/crypto/uniform.js';

const vectors = JSON.parse(
  readFileSync('test/fixtures/encryption-vectors.json', 'utf8'),
) as EncryptionVectors;
const key = keyFromBytes(Buffer.from(vectors.key.hex, 'hex'));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe('encryption test vectors', () => {
  it('uses the documented test key 00 01 … 1f', () => {
    expect(vectors.key.hex).toBe(hex(Uint8Array.from({ length: 32 }, (_, i) => i)));
    expect(key.fingerprint).toBe(vectors.key.fingerprint);
    for (const [label, value] of Object.entries(vectors.key.subkeys)) {
      expect(hex(deriveSubkey(key.bytes, label as SubkeyLabel)), label).toBe(value);
    }
    const params = arnoldParametersFromKey(key.bytes);
    expect({ aRaw: params.a, bRaw: params.b, iterationSeed: params.iterationSeed }).toEqual(
      vectors.arnoldDerivation,
    );
  });

  for (const image of vectors.images) {
    it(`${image.size}×${image.size}: parameters, keystream and every condition match`, () => {
      const n = image.size;
      const plan = buildArnoldPlan(arnoldParametersFromKey(key.bytes), n);
      expect({ a: plan.a, b: plan.b, period: plan.period, iterations: plan.iterations }).toEqual({
        a: image.arnold.a,
        b: image.arnold.b,
        period: image.arnold.period,
        iterations: image.arnold.iterations,
      });
      expect(plan.parametersId).toBe(image.arnold.parametersId);
      if (image.arnold.gather) expect([...plan.gather]).toEqual(image.arnold.gather);
      const uniform = buildUniformPlan(key.bytes, n);
      expect(uniform.parametersId).toBe(image.uniform.parametersId);
      if (image.uniform.gather) expect([...uniform.gather]).toEqual(image.uniform.gather);
      expect(hex(buildKeystream(key.bytes, n, n))).toBe(image.keystream);
      const input = bytesOf(image.input);
      for (const condition of CONDITIONS) {
        const cipher = createImageCipher(key, condition, n);
        expect(hex(cipher.encrypt(input)), condition).toBe(image.outputs[condition]);
        expect(hex(cipher.decrypt(bytesOf(image.outputs[condition]))), condition).toBe(image.input);
      }
    });
  }

  it('reproduces the container byte for byte and opens it', () => {
    const c = vectors.container;
    const sealed = encryptToContainer(key, c.condition, c.size, bytesOf(c.input), c.metadata);
    expect(hex(sealed)).toBe(c.hex);
    const opened = decryptContainer(key, bytesOf(c.hex));
    expect(hex(opened.pixels)).toBe(c.input);
    expect(opened.metadata).toEqual(c.metadata);
  });

  it('reproduces the bound (version-2) container and its record digest byte for byte, and opens it', () => {
    const b = vectors.boundContainer;
    const digest = recordDigest({
      ...b.item,
      keyFingerprint: vectors.key.fingerprint,
      condition: b.condition,
      size: b.size,
    });
    expect(digest).toBe(b.recordDigest);
    const sealed = encryptToContainer(key, b.condition, b.size, bytesOf(b.input), b.metadata, {
      itemId: b.item.id,
      recordDigest: digest,
    });
    expect(hex(sealed)).toBe(b.hex);
    const opened = decryptContainer(key, bytesOf(b.hex));
    expect(opened.header).toMatchObject({ version: 2, itemId: b.item.id, recordDigest: digest });
    expect(hex(opened.pixels)).toBe(b.input);
    // The same image in both versions: only the binding (and so the MAC) differs.
    const v1 = vectors.container.hex;
    const binding = 2 + 2 * (1 + b.item.id.length + 32);
    expect(b.hex.slice(0, 16)).toBe(v1.slice(0, 16));
    expect(b.hex.slice(18, 68)).toBe(v1.slice(18, 68));
    expect(b.hex.slice(68 + binding - 2, -64)).toBe(v1.slice(68, -64));
  });

  it('matches what scripts/make-test-vectors.ts generates now', () => {
    expect(buildVectors()).toEqual(vectors);
  });

  it('appears in docs/encryption.md with the same hex', () => {
    const doc = readFileSync('docs/encryption.md', 'utf8').replace(/\s+/g, '');
    const strings = [
      vectors.key.hex,
      vectors.key.fingerprint,
      ...Object.values(vectors.key.subkeys),
      vectors.container.hex,
      vectors.boundContainer.hex,
      vectors.boundContainer.recordDigest,
      vectors.boundContainer.item.seal,
      vectors.boundContainer.item.sourceKey,
      ...vectors.images.flatMap((image) => [
        image.input,
        image.keystream,
        image.arnold.parametersId,
        image.uniform.parametersId,
        ...Object.values(image.outputs),
      ]),
    ];
    for (const text of strings)
      expect(doc.includes(text), `${text.slice(0, 32)}… missing from the doc`).toBe(true);
    for (const image of vectors.images) {
      const p = image.arnold;
      expect(doc).toContain(
        `|${image.size}|${p.a}|${p.b}|${p.period}|${p.iterations}|\`${p.parametersId}\`|`,
      );
    }
  });
});

// The NumPy peer was written from docs/encryption.md alone; agreeing with it checks the doc, not just the engine.
const python = spawnSync('/usr/bin/python3', ['-c', 'import numpy, cryptography'], { encoding: 'utf8' });
const peerAvailable = python.status === 0;

describe.skipIf(!peerAvailable)('independent NumPy implementation (bench/peers/numpy_cipher.py)', () => {
  it('re-derives every vector from the spec', () => {
    const run = spawnSync(
      '/usr/bin/python3',
      ['bench/peers/numpy_cipher.py', '--check-vectors', 'test/fixtures/encryption-vectors.json'],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: number; failures: string[] };
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks).toBeGreaterThan(40);
  });
});
