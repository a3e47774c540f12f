import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CipherLensError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { deriveSubkey } from './subkeys.js';

export const KEY_BYTES = 32;

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
  const bytes = new Uint8Array(key.bytes);
  const byte = Math.floor(bitIndex / 8) % KEY_BYTES;
  bytes[byte] = (bytes[byte] ?? 0) ^ (1 << (bitIndex % 8));
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
  let file: KeyFileV1;
  try {
    file = JSON.parse(text) as KeyFileV1;
  } catch {
    throw new CipherLensError('BAD_FORMAT', `${source} is not a CipherLens key file (not JSON)`);
  }
  if (file?.format !== 'cipherlens-key') {
    throw new CipherLensError('BAD_FORMAT', `${source} is not a CipherLens key file (missing "format": "cipherlens-key")`);
  }
  if (file.version !== 1) {
    throw new CipherLensError('BAD_FORMAT', `${source} has unsupported key file version ${String(file.version)}`);
  }
  let bytes: Buffer;
  if (file.protection) {
    if (!passphrase) {
      throw new CipherLensError('BAD_PASSPHRASE', `${source} is passphrase-protected: a passphrase is required`);
    }
    const p = file.protection;
    if (p.kdf !== 'scrypt' || p.cipher !== 'aes-256-gcm') {
      throw new CipherLensError('BAD_FORMAT', `${source} uses an unknown protection scheme`);
    }
    const wrapKey = scryptSync(passphrase, Buffer.from(p.salt, 'base64'), 32, {
      N: p.N,
      r: p.r,
      p: p.p,
      maxmem: SCRYPT.maxmem * 2,
    });
    const decipher = createDecipheriv('aes-256-gcm', wrapKey, Buffer.from(p.iv, 'base64'));
    decipher.setAAD(Buffer.from(file.fingerprint, 'ascii'));
    decipher.setAuthTag(Buffer.from(p.tag, 'base64'));
    try {
      bytes = Buffer.concat([decipher.update(Buffer.from(p.ciphertext, 'base64')), decipher.final()]);
    } catch {
      throw new CipherLensError('BAD_PASSPHRASE', `wrong passphrase for ${source} (fingerprint ${file.fingerprint})`);
    }
  } else {
    if (typeof file.key !== 'string') throw new CipherLensError('BAD_FORMAT', `${source} holds no key`);
    bytes = Buffer.from(file.key, 'base64');
  }
  if (bytes.length !== KEY_BYTES) {
    throw new CipherLensError('BAD_FORMAT', `${source} holds a ${bytes.length}-byte key; expected ${KEY_BYTES}`);
  }
  const key = keyFromBytes(bytes, file.label ?? '');
  if (file.fingerprint && file.fingerprint !== key.fingerprint) {
    throw new CipherLensError(
      'INTEGRITY',
      `${source} is damaged: its fingerprint ${file.fingerprint} does not match its key (${key.fingerprint})`,
    );
  }
  return key;
}

export async function loadKeyFile(path: string, passphrase?: string): Promise<CipherKey> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CipherLensError('NOT_FOUND', `cannot read key file ${path}: ${(error as Error).message}`);
  }
  return parseKey(text, passphrase, `key file ${path}`);
}

export async function saveKeyFile(path: string, key: CipherKey, options: SaveKeyOptions = {}): Promise<void> {
  await writeFileAtomic(path, serializeKey(key, options), { mode: 0o600 });
}
