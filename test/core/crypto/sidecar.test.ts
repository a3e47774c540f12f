import { spawnSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import {
  MAX_SIDECAR_JSON_BYTES,
  SIDECAR_MAGIC,
  openSidecar,
  readSidecarHeader,
  sealSidecar,
} from '../../../src/core/crypto/sidecar.js';
import { deriveSubkey } from '../../../src/core/crypto/subkeys.js';

const testKey = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i));
const otherKey = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i * 11));
const item = { itemId: 'item_A-1', kind: 'dicom' } as const;
const content = {
  json: { patientName: 'Doe^Jane', n: [1, 2] },
  data: Uint8Array.from({ length: 1000 }, (_, i) => i % 7),
};

/** The documented vector (docs/encryption.md §7a): test key 00 01 … 1f, item vectorItem-01, nonce a0 … ab. */
const VECTOR =
  '89434c53430d0a1a010100005198f485fa9b11ac0d766563746f724974656d2d3031a0a1a2a3a4a5a6a7a8a9aaab0000002d' +
  'a6f03c3e1c4cc913fb791a449edf1792fa738876acf04bbc144d735ed8ff9b2163b8ed92e4580729c53abd5ed61e7b9eb4c8' +
  '81046cdd79d1fedbf5d71d';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  throw new Error('expected an error');
}

describe('encrypted sidecar (.clsc)', () => {
  it('round-trips JSON and binary data for its item, and nothing readable is in the file', async () => {
    const bytes = await sealSidecar(testKey, item.itemId, 'dicom', content);
    expect([...bytes.subarray(0, 8)]).toEqual([...SIDECAR_MAGIC]);
    expect(readSidecarHeader(bytes)).toMatchObject({
      version: 1,
      kind: 'dicom',
      keyFingerprint: testKey.fingerprint,
      itemId: item.itemId,
    });
    const opened = await openSidecar(testKey, bytes, item);
    expect(opened.json).toEqual(content.json);
    expect([...opened.data]).toEqual([...content.data]);
    expect(Buffer.from(bytes).includes('Doe^Jane')).toBe(false);
    // A fresh nonce per file: the same content never gives the same bytes.
    const again = await sealSidecar(testKey, item.itemId, 'dicom', content);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(false);
  });

  it('opens the documented vector (and a fixed nonce reproduces its header and tag)', async () => {
    const opened = await openSidecar(
      keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i)),
      Buffer.from(VECTOR, 'hex'),
      {
        itemId: 'vectorItem-01',
        kind: 'dicom',
      },
    );
    expect(opened.json).toEqual({ patientName: 'Test^Vector' });
    expect([...opened.data]).toEqual([1, 2, 3, 4]);
    expect(deriveSubkey(testKey.bytes, 'sidecar').toString('hex')).toBe(
      '38b70ac8cec3ef5851577d3353a058dbae190c36a7b339240fd43e9921c63329',
    );
  });

  it('refuses another key, another item, and any modified byte', async () => {
    const bytes = await sealSidecar(testKey, item.itemId, 'dicom', content);
    expect(await codeOf(openSidecar(otherKey, bytes, item))).toMatch(/^WRONG_KEY: wrong key/);
    // Copied to another item: the header names its own item.
    expect(await codeOf(openSidecar(testKey, bytes, { itemId: 'item_B-2', kind: 'dicom' }))).toMatch(
      /^INTEGRITY: .*belongs to another item \(item_A-1/,
    );
    // The item id in the header edited to the other item's (same length): the tag covers the header.
    const renamed = Uint8Array.from(bytes);
    renamed.set(Buffer.from('item_B-2', 'latin1'), 21);
    expect(await codeOf(openSidecar(testKey, renamed, { itemId: 'item_B-2', kind: 'dicom' }))).toMatch(
      /^INTEGRITY: integrity check failed/,
    );
    for (const at of [30, 50, bytes.length - 30, bytes.length - 1]) {
      const flipped = Uint8Array.from(bytes);
      flipped[at]! ^= 1;
      expect(await codeOf(openSidecar(testKey, flipped, item)), `byte ${at}`).toMatch(/^INTEGRITY:/);
    }
  });

  it('says what is wrong with a broken file before any decryption', async () => {
    const bytes = await sealSidecar(testKey, item.itemId, 'dicom', content);
    expect(await codeOf(openSidecar(testKey, new Uint8Array(0), item))).toMatch(/^BAD_FORMAT: .*empty/);
    expect(await codeOf(openSidecar(testKey, Uint8Array.from(bytes).fill(0, 0, 8), item))).toMatch(
      /^BAD_FORMAT: .*no \.clsc signature/,
    );
    expect(await codeOf(openSidecar(testKey, bytes.subarray(0, bytes.length - 5), item))).toMatch(
      /^TRUNCATED:/,
    );
    expect(await codeOf(openSidecar(testKey, bytes.subarray(0, 15), item))).toMatch(/^TRUNCATED:/);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(await codeOf(openSidecar(testKey, longer, item))).toMatch(/^BAD_FORMAT: .*3 unexpected bytes/);
    const version = Uint8Array.from(bytes);
    version[8] = 9;
    expect(await codeOf(openSidecar(testKey, version, item))).toMatch(/^BAD_FORMAT: .*version 9/);
    const kind = Uint8Array.from(bytes);
    kind[9] = 77;
    expect(await codeOf(openSidecar(testKey, kind, item))).toMatch(/^BAD_FORMAT: .*kind 77/);
    const huge = Uint8Array.from(bytes);
    Buffer.from(huge.buffer).writeUInt32BE(0xffffffff, 21 + item.itemId.length + 12);
    expect(await codeOf(openSidecar(testKey, huge, item))).toMatch(
      /^BAD_FORMAT: .*declares 4294967295 bytes/,
    );
  });

  it('refuses an authentic sidecar whose plain text inflates past its cap (a bomb) or lies about its JSON', async () => {
    // Built by hand with the right key: only the checks after the tag can catch these.
    const forge = (plain: Buffer): Uint8Array => {
      const compressed = deflateSync(plain);
      const id = Buffer.from(item.itemId, 'latin1');
      const header = Buffer.alloc(21 + id.length + 16);
      Buffer.from(SIDECAR_MAGIC).copy(header, 0);
      header[8] = 1;
      header[9] = 1;
      header.write(testKey.fingerprint, 12, 8, 'hex');
      header[20] = id.length;
      id.copy(header, 21);
      header.writeUInt32BE(compressed.length, 21 + id.length + 12);
      const cipher = createCipheriv(
        'aes-256-gcm',
        deriveSubkey(testKey.bytes, 'sidecar'),
        header.subarray(21 + id.length, 33 + id.length),
      );
      cipher.setAAD(header);
      return Buffer.concat([header, cipher.update(compressed), cipher.final(), cipher.getAuthTag()]);
    };
    const lying = Buffer.alloc(10);
    lying.writeUInt32BE(MAX_SIDECAR_JSON_BYTES + 1, 0);
    expect(await codeOf(openSidecar(testKey, forge(lying), item))).toMatch(/^BAD_FORMAT: .*bytes of JSON/);
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]);
    expect(await codeOf(openSidecar(testKey, forge(notJson), item))).toMatch(
      /^BAD_FORMAT: .*unreadable JSON/,
    );
    const bomb = Buffer.alloc(4 + MAX_SIDECAR_JSON_BYTES + 4 * (1 << 25) + 8);
    expect(await codeOf(openSidecar(testKey, forge(bomb), item))).toMatch(/^TOO_LARGE: .*decompression bomb/);
  });

  it('is readable by an independent implementation from the spec (Python cryptography + zlib), where present', async () => {
    const probe = spawnSync('python3', ['-c', 'import cryptography.hazmat.primitives.ciphers.aead'], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) {
      console.warn(
        'SKIPPED: python3 with the cryptography package is not installed (independent sidecar reader)',
      );
      return;
    }
    const bytes = await sealSidecar(testKey, item.itemId, 'dicom', content);
    const script = `
import sys, hashlib, hmac, zlib, json
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
b = bytes.fromhex(sys.stdin.read())
prk = hmac.new(b"cipherlens-v1", bytes(range(32)), hashlib.sha256).digest()
key = hmac.new(prk, b"sidecar" + b"\\x01", hashlib.sha256).digest()
i = b[20]; h = 21 + i + 16; c = int.from_bytes(b[h - 4:h], "big")
plain = zlib.decompress(AESGCM(key).decrypt(b[21 + i:33 + i], b[h:], b[:h]))
j = int.from_bytes(plain[:4], "big")
print(json.dumps({"item": b[21:21 + i].decode(), "json": json.loads(plain[4:4 + j]), "data": list(plain[4 + j:4 + j + 8]), "n": len(plain) - 4 - j, "c": c}))
`;
    const run = spawnSync('python3', ['-c', script], {
      input: Buffer.from(bytes).toString('hex'),
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      item: item.itemId,
      json: content.json,
      data: [...content.data.subarray(0, 8)],
      n: content.data.length,
      c: readSidecarHeader(bytes).ciphertextLength,
    });
  });
});
