import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { CipherLensError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { deriveSubkey } from './subkeys.js';

export const KEY_BYTES = 32;

/** resources/keys/demo.key: published with the source, so anything encrypted with it is readable by anyone. */
export const DEMO_KEY_FINGERPRINT = 'b574d9e46e54e965';

/** A 256-bit master key. `fingerprint` identifies it publicly; the bytes never leave the back end. */
export interface CipherKey {
  readonly bytes: Uint8Array;
  readonly fingerprint: string;
  readonly label: string;
}

/** First 8 bytes (16 hex) of SHA-256 of the HKDF "fingerprint" sub-key: reveals nothing about the key. */
export function keyFingerprint(bytes: Uint8Array): string {
  return createHash('sha256').update(deriveSubkey(bytes, 'fingerprint')).digest('hex').slice(0, 16);
}

export function keyFromBytes(bytes: Uint8Array, label = ''): CipherKey {
  if (bytes.length !== KEY_BYTES) {
    throw new CipherLensError('BAD_INPUT', `a key must be ${KEY_BYTES} bytes, got ${bytes.length}`);
  }
  const copy = new Uint8Array(bytes);
  return { bytes: copy, fingerprint: keyFingerprint(copy), label };
}

export function generateKey(label = ''): CipherKey {
  return keyFromBytes(randomBytes(KEY_BYTES), label);
}

/** Flip one bit of a key: used by the key-sensitivity analysis. */
export function flipKeyBit(key: CipherKey, bitIndex: number): CipherKey {
  if (!Number.isInteger(bitIndex) || bitIndex < 0 || bitIndex >= KEY_BYTES * 8) {
    throw new CipherLensError(
      'BAD_INPUT',
      `key bit index must be an integer from 0 to ${KEY_BYTES * 8 - 1}, got ${bitIndex}`,
    );
  }
  const bytes = new Uint8Array(key.bytes);
  const byte = bitIndex >> 3;
  bytes[byte] = bytes[byte]! ^ (1 << (bitIndex & 7));
  return keyFromBytes(bytes, `${key.label} (bit ${bitIndex} flipped)`);
}

// scrypt cost: N=2^15, r=8, p=1 (~32 MiB, ~100 ms): interactive-grade, per the scrypt paper's guidance.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

interface KeyFileV1 {
  format: 'cipherlens-key';
  version: 1;
  label: string;
  fingerprint: string;
  createdAt: string;
  notice?: string;
  /** base64 of the raw 32 bytes, present when not passphrase-protected */
  key?: string;
  protection?: {
    kdf: 'scrypt';
    N: number;
    r: number;
    p: number;
    salt: string;
    cipher: 'aes-256-gcm';
    iv: string;
    tag: string;
    ciphertext: string;
  };
}

export interface SaveKeyOptions {
  passphrase?: string;
  notice?: string;
}

export function serializeKey(key: CipherKey, options: SaveKeyOptions = {}): string {
  const file: KeyFileV1 = {
    format: 'cipherlens-key',
    version: 1,
    label: key.label,
    fingerprint: key.fingerprint,
    createdAt: new Date().toISOString(),
  };
  if (options.notice) file.notice = options.notice;
  if (options.passphrase === '') {
    // Refused rather than silently writing the key unprotected.
    throw new CipherLensError(
      'BAD_PASSPHRASE',
      'an empty passphrase protects nothing; give a real one or none',
    );
  }
  if (options.passphrase) {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const wrapKey = scryptSync(options.passphrase, salt, 32, SCRYPT);
    const cipher = createCipheriv('aes-256-gcm', wrapKey, iv);
    cipher.setAAD(Buffer.from(key.fingerprint, 'ascii'));
    const ciphertext = Buffer.concat([cipher.update(key.bytes), cipher.final()]);
    file.protection = {
      kdf: 'scrypt',
      N: SCRYPT.N,
      r: SCRYPT.r,
      p: SCRYPT.p,
      salt: salt.toString('base64'),
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  } else {
    file.key = Buffer.from(key.bytes).toString('base64');
  }
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function isPassphraseProtected(text: string): boolean {
  try {
    return Boolean((JSON.parse(text) as KeyFileV1).protection);
  } catch {
    return false;
  }
}

export function parseKey(text: string, passphrase?: string, source = 'key file'): CipherKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CipherLensError('BAD_FORMAT', `${source} is not a CipherLens key file (not JSON)`);
  }
  const file = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Partial<
    Record<keyof KeyFileV1, unknown>
  >;
  if (file.format !== 'cipherlens-key') {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} is not a CipherLens key file (missing "format": "cipherlens-key")`,
    );
  }
  if (file.version !== 1) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} has unsupported key file version ${String(file.version)}`,
    );
  }
  if (typeof file.fingerprint !== 'string' || !/^[0-9a-f]{16}$/.test(file.fingerprint)) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} is damaged: its "fingerprint" is missing or malformed`,
    );
  }
  const fingerprint = file.fingerprint;
  const label = typeof file.label === 'string' ? file.label : '';
  const bytes =
    file.protection !== undefined
      ? unwrapProtectedKey(file.protection, fingerprint, passphrase, source)
      : decodeBase64Field(file.key, 'key', source);
  if (bytes.length !== KEY_BYTES) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} holds a ${bytes.length}-byte key; expected ${KEY_BYTES}`,
    );
  }
  const key = keyFromBytes(bytes, label);
  if (fingerprint !== key.fingerprint) {
    throw new CipherLensError(
      'INTEGRITY',
      `${source} is damaged: its fingerprint ${fingerprint} does not match its key (${key.fingerprint})`,
    );
  }
  return key;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64Field(value: unknown, field: string, source: string): Buffer {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new CipherLensError('BAD_FORMAT', `${source} is damaged: "${field}" is missing or not base64`);
  }
  return Buffer.from(value, 'base64');
}

function unwrapProtectedKey(
  protection: unknown,
  fingerprint: string,
  passphrase: string | undefined,
  source: string,
): Buffer {
  const p = (typeof protection === 'object' && protection !== null ? protection : {}) as Record<
    string,
    unknown
  >;
  if (p.kdf !== 'scrypt' || p.cipher !== 'aes-256-gcm') {
    throw new CipherLensError('BAD_FORMAT', `${source} uses an unknown protection scheme`);
  }
  const { N, r, p: parallel } = p;
  // Bounds keep a damaged or hostile file from asking scrypt for gigabytes.
  const validCost =
    typeof N === 'number' &&
    Number.isInteger(N) &&
    N >= 2 &&
    N <= 1 << 20 &&
    (N & (N - 1)) === 0 &&
    typeof r === 'number' &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    typeof parallel === 'number' &&
    Number.isInteger(parallel) &&
    parallel >= 1 &&
    parallel <= 16 &&
    128 * N * r <= SCRYPT.maxmem * 4;
  if (!validCost)
    throw new CipherLensError('BAD_FORMAT', `${source} is damaged: its scrypt parameters are invalid`);
  const salt = decodeBase64Field(p.salt, 'protection.salt', source);
  const iv = decodeBase64Field(p.iv, 'protection.iv', source);
  const tag = decodeBase64Field(p.tag, 'protection.tag', source);
  const ciphertext = decodeBase64Field(p.ciphertext, 'protection.ciphertext', source);
  if (iv.length !== 12 || tag.length !== 16) {
    throw new CipherLensError('BAD_FORMAT', `${source} is damaged: wrong IV or tag length`);
  }
  if (!passphrase) {
    throw new CipherLensError(
      'BAD_PASSPHRASE',
      `${source} is passphrase-protected: a passphrase is required`,
    );
  }
  const wrapKey = scryptSync(passphrase, salt, 32, {
    N,
    r,
    p: parallel,
    maxmem: SCRYPT.maxmem * 4 + 1024 * 1024,
  });
  const decipher = createDecipheriv('aes-256-gcm', wrapKey, iv);
  decipher.setAAD(Buffer.from(fingerprint, 'ascii'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new CipherLensError(
      'BAD_PASSPHRASE',
      `wrong passphrase for ${source} (fingerprint ${fingerprint}), or the file is damaged`,
    );
  }
}

/** Key files are a few hundred bytes; anything far larger is not one and is not read into memory. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

export async function loadKeyFile(path: string, passphrase?: string): Promise<CipherKey> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CipherLensError('BAD_FORMAT', `${path} is not a regular file`);
    if (info.size > MAX_KEY_FILE_BYTES) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `${path} is ${info.size} bytes: too large to be a CipherLens key file`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof CipherLensError) throw error;
    throw new CipherLensError('NOT_FOUND', `cannot read key file ${path}: ${(error as Error).message}`);
  }
  return parseKey(text, passphrase, `key file ${path}`);
}

export async function saveKeyFile(path: string, key: CipherKey, options: SaveKeyOptions = {}): Promise<void> {
  await writeFileAtomic(path, serializeKey(key, options), { mode: 0o600 });
}
