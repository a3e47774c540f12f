import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { readRegularText } from '../fs/read.js';
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

/**
 * What a key file may ask of scrypt: what CipherLens writes (N = 2^15, r = 8, p = 1) with a margin of one
 * doubling of N and of p — at most 64 MiB and about 4× the default time. A file asking for more is refused
 * before any derivation (a damaged or hostile file must not stall the app for seconds or ask for gigabytes).
 */
export const SCRYPT_BOUNDS = { maxN: 1 << 16, maxR: 8, maxP: 2, maxMemoryBytes: 64 * 1024 * 1024 } as const;

/** scrypt on libuv's thread pool: the event loop (and, in Electron, the whole app) keeps running. */
function scryptAsync(
  passphrase: string,
  salt: Uint8Array,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase,
      salt,
      32,
      { ...cost, maxmem: SCRYPT_BOUNDS.maxMemoryBytes + 1024 * 1024 },
      (error, derived) => (error ? reject(error) : resolve(derived)),
    );
  });
}

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

function keyFileHeader(key: CipherKey, notice: string | undefined): KeyFileV1 {
  const file: KeyFileV1 = {
    format: 'cipherlens-key',
    version: 1,
    label: key.label,
    fingerprint: key.fingerprint,
    createdAt: new Date().toISOString(),
  };
  if (notice) file.notice = notice;
  return file;
}

/** An unprotected key file (the key ring seals these itself). Protected files: `serializeKeyText`. */
export function serializeKey(key: CipherKey, options: { notice?: string } = {}): string {
  const file = keyFileHeader(key, options.notice);
  file.key = Buffer.from(key.bytes).toString('base64');
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** A key file, passphrase-protected when a passphrase is given; scrypt runs off the event loop. */
export async function serializeKeyText(key: CipherKey, options: SaveKeyOptions = {}): Promise<string> {
  if (options.passphrase === '') {
    // Refused rather than silently writing the key unprotected.
    throw new CipherLensError(
      'BAD_PASSPHRASE',
      'an empty passphrase protects nothing; give a real one or none',
    );
  }
  if (!options.passphrase) return serializeKey(key, options);
  const file = keyFileHeader(key, options.notice);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const wrapKey = await scryptAsync(options.passphrase, salt, SCRYPT);
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
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function isPassphraseProtected(text: string): boolean {
  try {
    return Boolean((JSON.parse(text) as KeyFileV1).protection);
  } catch {
    return false;
  }
}

interface ParsedKeyFile {
  fingerprint: string;
  label: string;
  /** Present for passphrase-protected files: checked, not yet derived. */
  protection: CheckedProtection | null;
  /** The raw key of an unprotected file. */
  bytes: Buffer | null;
}

function parseKeyFields(text: string, source: string): ParsedKeyFile {
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
  const label = typeof file.label === 'string' ? file.label : '';
  if (file.protection !== undefined) {
    return {
      fingerprint: file.fingerprint,
      label,
      protection: checkProtection(file.protection, source),
      bytes: null,
    };
  }
  return {
    fingerprint: file.fingerprint,
    label,
    protection: null,
    bytes: decodeBase64Field(file.key, 'key', source),
  };
}

function finishKey(bytes: Buffer, parsed: ParsedKeyFile, source: string): CipherKey {
  if (bytes.length !== KEY_BYTES) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} holds a ${bytes.length}-byte key; expected ${KEY_BYTES}`,
    );
  }
  const key = keyFromBytes(bytes, parsed.label);
  if (parsed.fingerprint !== key.fingerprint) {
    throw new CipherLensError(
      'INTEGRITY',
      `${source} is damaged: its fingerprint ${parsed.fingerprint} does not match its key (${key.fingerprint})`,
    );
  }
  return key;
}

/**
 * An unprotected key file, synchronously (the key ring's sealed copies, the demo key). A passphrase-protected
 * file is refused: its scrypt derivation must not block the event loop — open it with `parseKeyText`.
 */
export function parseKey(text: string, passphrase?: string, source = 'key file'): CipherKey {
  const parsed = parseKeyFields(text, source);
  if (parsed.protection) {
    if (!passphrase) {
      throw new CipherLensError(
        'BAD_PASSPHRASE',
        `${source} is passphrase-protected: a passphrase is required`,
      );
    }
    throw new CipherLensError(
      'INTERNAL',
      `${source} is passphrase-protected: it is opened asynchronously (parseKeyText), never on the event loop`,
    );
  }
  return finishKey(parsed.bytes!, parsed, source);
}

/** Any key file; a passphrase-protected one is unwrapped with scrypt on libuv's thread pool. */
export async function parseKeyText(
  text: string,
  passphrase?: string,
  source = 'key file',
): Promise<CipherKey> {
  const parsed = parseKeyFields(text, source);
  const bytes = parsed.protection
    ? await unwrapProtectedKey(parsed.protection, parsed.fingerprint, passphrase, source)
    : parsed.bytes!;
  return finishKey(bytes, parsed, source);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64Field(value: unknown, field: string, source: string): Buffer {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new CipherLensError('BAD_FORMAT', `${source} is damaged: "${field}" is missing or not base64`);
  }
  return Buffer.from(value, 'base64');
}

interface CheckedProtection {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function checkProtection(protection: unknown, source: string): CheckedProtection {
  const p = (typeof protection === 'object' && protection !== null ? protection : {}) as Record<
    string,
    unknown
  >;
  if (p.kdf !== 'scrypt' || p.cipher !== 'aes-256-gcm') {
    throw new CipherLensError('BAD_FORMAT', `${source} uses an unknown protection scheme`);
  }
  const { N, r, p: parallel } = p;
  // Bounds keep a damaged or hostile file from asking scrypt for gigabytes or for seconds of CPU.
  const validCost =
    typeof N === 'number' &&
    Number.isInteger(N) &&
    N >= 2 &&
    N <= SCRYPT_BOUNDS.maxN &&
    (N & (N - 1)) === 0 &&
    typeof r === 'number' &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= SCRYPT_BOUNDS.maxR &&
    typeof parallel === 'number' &&
    Number.isInteger(parallel) &&
    parallel >= 1 &&
    parallel <= SCRYPT_BOUNDS.maxP &&
    128 * N * r <= SCRYPT_BOUNDS.maxMemoryBytes;
  if (!validCost) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} is damaged: its scrypt parameters are invalid or beyond what CipherLens accepts (N ≤ 2^16, r ≤ 8, p ≤ 2)`,
    );
  }
  const salt = decodeBase64Field(p.salt, 'protection.salt', source);
  const iv = decodeBase64Field(p.iv, 'protection.iv', source);
  const tag = decodeBase64Field(p.tag, 'protection.tag', source);
  const ciphertext = decodeBase64Field(p.ciphertext, 'protection.ciphertext', source);
  if (iv.length !== 12 || tag.length !== 16) {
    throw new CipherLensError('BAD_FORMAT', `${source} is damaged: wrong IV or tag length`);
  }
  return { N, r, p: parallel, salt, iv, tag, ciphertext };
}

async function unwrapProtectedKey(
  protection: CheckedProtection,
  fingerprint: string,
  passphrase: string | undefined,
  source: string,
): Promise<Buffer> {
  if (!passphrase) {
    throw new CipherLensError(
      'BAD_PASSPHRASE',
      `${source} is passphrase-protected: a passphrase is required`,
    );
  }
  const { N, r, p, salt, iv, tag, ciphertext } = protection;
  const wrapKey = await scryptAsync(passphrase, salt, { N, r, p });
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
export const MAX_KEY_FILE_BYTES = 64 * 1024;

export async function loadKeyFile(path: string, passphrase?: string): Promise<CipherKey> {
  // Over the limit: BAD_FORMAT (no key file is that large), as before the shared reader.
  const text = await readRegularText(path, MAX_KEY_FILE_BYTES, {
    what: `key file ${path}`,
    tooLargeCode: 'BAD_FORMAT',
  });
  return parseKeyText(text, passphrase, `key file ${path}`);
}

export async function saveKeyFile(path: string, key: CipherKey, options: SaveKeyOptions = {}): Promise<void> {
  await writeFileAtomic(path, await serializeKeyText(key, options), { mode: 0o600 });
}
