import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import { CipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';
import type { CipherKey } from './keys.js';
import { deriveSubkey } from './subkeys.js';

/**
 * An encrypted sidecar (.clsc): what belongs to one workspace item besides its 8-bit image and must stay
 * confidential (DICOM header fields are protected health information, and so are the original modality values).
 * Unlike the image container (.clens, authenticated but deterministic so a network can learn from it), a sidecar
 * is real authenticated encryption: AES-256-GCM under the HKDF sub-key "sidecar", a random 96-bit nonce per file,
 * and the whole header — item id and key fingerprint included — as associated data, so a sidecar moved to another
 * item fails its tag. All integers big-endian; layout in docs/encryption.md §7a:
 *
 *   0  8  magic 89 43 4C 53 43 0D 0A 1A ("\x89CLSC\r\n\x1a")
 *   8  1  version (1)             9  1  kind (1 DICOM details, 2 journal) 10  2  flags (0)
 *  12  8  key fingerprint        20  1  item id length I (1–64)      21  I  item id (ASCII)
 *  21+I 12 nonce                 33+I 4  ciphertext length C
 *  37+I C  AES-256-GCM ciphertext of zlib(u32be J ‖ J bytes UTF-8 JSON ‖ binary data)
 *  end−16 16 GCM tag; associated data = bytes 0 .. 37+I (the header)
 */
export const SIDECAR_EXTENSION = '.clsc';
export const SIDECAR_VERSION = 1;
export const SIDECAR_MAGIC = Uint8Array.of(0x89, 0x43, 0x4c, 0x53, 0x43, 0x0d, 0x0a, 0x1a);
/** 1: a DICOM item's details (workspace/dicom-sidecar.ts); 2: an interrupted import's request (backend). */
export const SIDECAR_KINDS = { dicom: 1, journal: 2 } as const;
export type SidecarKind = keyof typeof SIDECAR_KINDS;

const FIXED_HEADER_BYTES = 21;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ITEM_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The JSON part: header fields and file names, never more than this. */
export const MAX_SIDECAR_JSON_BYTES = 1024 * 1024;
/** The binary part: a DICOM frame's modality values as float32 (2^25 pixels × 4 bytes, core/image's limit). */
export const MAX_SIDECAR_DATA_BYTES = 4 * (1 << 25);
const MAX_PLAIN_BYTES = 4 + MAX_SIDECAR_JSON_BYTES + MAX_SIDECAR_DATA_BYTES;
/** zlib never grows data by more than 5 bytes per 16 KiB block plus 6 bytes of framing; rounded up generously. */
const MAX_CIPHERTEXT_BYTES = MAX_PLAIN_BYTES + Math.ceil(MAX_PLAIN_BYTES / 1024) + 1024;
/** The largest well-formed sidecar: bigger files are refused before being read. */
export const MAX_SIDECAR_BYTES = FIXED_HEADER_BYTES + 64 + NONCE_BYTES + 4 + MAX_CIPHERTEXT_BYTES + TAG_BYTES;

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

export interface SidecarContent {
  /** Any JSON value (an object in practice). */
  json: unknown;
  /** Opaque bytes whose meaning the kind defines (DICOM: modality values, float32 little-endian). */
  data: Uint8Array;
}

export interface SidecarHeader {
  version: number;
  kind: SidecarKind;
  keyFingerprint: string;
  itemId: string;
  /** Bytes 0 .. the ciphertext: the associated data. */
  headerBytes: number;
  ciphertextLength: number;
}

export interface SealSidecarOptions {
  /** Test vectors only: a fixed nonce. Never reuse a nonce with one key. */
  nonce?: Uint8Array;
}

const kindOf = (code: number): SidecarKind | undefined =>
  (Object.keys(SIDECAR_KINDS) as SidecarKind[]).find((kind) => SIDECAR_KINDS[kind] === code);

/** Compresses, then encrypts `content` for item `itemId` under `key`. */
export async function sealSidecar(
  key: CipherKey,
  itemId: string,
  kind: SidecarKind,
  content: SidecarContent,
  options: SealSidecarOptions = {},
): Promise<Uint8Array> {
  if (!ITEM_ID.test(itemId)) {
    throw new CipherLensError('BAD_INPUT', `"${itemId}" is not a workspace item id`);
  }
  if (!/^[0-9a-f]{16}$/.test(key.fingerprint)) {
    throw new CipherLensError('BAD_INPUT', `key fingerprint "${key.fingerprint}" is not 16 hex digits`);
  }
  const json = Buffer.from(JSON.stringify(content.json) ?? 'null', 'utf8');
  if (json.length > MAX_SIDECAR_JSON_BYTES) {
    throw new CipherLensError(
      'BAD_INPUT',
      `sidecar JSON is ${json.length} bytes (limit ${MAX_SIDECAR_JSON_BYTES})`,
    );
  }
  if (content.data.length > MAX_SIDECAR_DATA_BYTES) {
    throw new CipherLensError(
      'BAD_INPUT',
      `sidecar data is ${content.data.length} bytes (limit ${MAX_SIDECAR_DATA_BYTES})`,
    );
  }
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length, 0);
  const compressed = await deflateAsync(Buffer.concat([length, json, content.data]));
  const nonce = Buffer.from(options.nonce ?? randomBytes(NONCE_BYTES));
  if (nonce.length !== NONCE_BYTES) throw new CipherLensError('BAD_INPUT', 'a sidecar nonce is 12 bytes');
  const id = Buffer.from(itemId, 'latin1');
  const header = Buffer.alloc(FIXED_HEADER_BYTES + id.length + NONCE_BYTES + 4);
  header.set(SIDECAR_MAGIC, 0);
  header[8] = SIDECAR_VERSION;
  header[9] = SIDECAR_KINDS[kind];
  header.writeUInt16BE(0, 10);
  header.write(key.fingerprint, 12, 8, 'hex');
  header[20] = id.length;
  header.set(id, FIXED_HEADER_BYTES);
  header.set(nonce, FIXED_HEADER_BYTES + id.length);
  header.writeUInt32BE(compressed.length, FIXED_HEADER_BYTES + id.length + NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sidecarKey(key), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(compressed), cipher.final()]);
  const out = Buffer.concat([header, ciphertext, cipher.getAuthTag()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Structure only — nothing is authenticated yet; use it to say which key and item a file names. */
export function readSidecarHeader(bytes: Uint8Array, source = 'sidecar'): SidecarHeader {
  if (bytes.length === 0) throw new CipherLensError('BAD_FORMAT', `${source} is empty (0 bytes)`);
  if (!SIDECAR_MAGIC.every((value, i) => bytes[i] === value)) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} is not a CipherLens encrypted sidecar (no .clsc signature)`,
    );
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.length < FIXED_HEADER_BYTES) {
    throw new CipherLensError('TRUNCATED', `${source} is truncated: shorter than its header`);
  }
  if (view[8] !== SIDECAR_VERSION) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} uses sidecar version ${view[8]}; this build reads version ${SIDECAR_VERSION}`,
    );
  }
  const kind = kindOf(view[9]!);
  if (!kind) throw new CipherLensError('BAD_FORMAT', `${source} has unknown sidecar kind ${view[9]}`);
  const flags = view.readUInt16BE(10);
  if (flags !== 0) throw new CipherLensError('BAD_FORMAT', `${source} has unknown sidecar flags ${flags}`);
  const idLength = view[20]!;
  const headerBytes = FIXED_HEADER_BYTES + idLength + NONCE_BYTES + 4;
  if (view.length < headerBytes) {
    throw new CipherLensError('TRUNCATED', `${source} is truncated: shorter than its header`);
  }
  const itemId = view.toString('latin1', FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + idLength);
  if (!ITEM_ID.test(itemId)) throw new CipherLensError('BAD_FORMAT', `${source} has a malformed item id`);
  const ciphertextLength = view.readUInt32BE(headerBytes - 4);
  if (ciphertextLength > MAX_CIPHERTEXT_BYTES) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} declares ${ciphertextLength} bytes of ciphertext (limit ${MAX_CIPHERTEXT_BYTES})`,
    );
  }
  const total = headerBytes + ciphertextLength + TAG_BYTES;
  if (view.length < total) {
    throw new CipherLensError(
      'TRUNCATED',
      `${source} is truncated: ${view.length} bytes, its header promises ${total}`,
    );
  }
  if (view.length > total) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} has ${view.length - total} unexpected bytes after the ${total} its header describes`,
    );
  }
  return {
    version: SIDECAR_VERSION,
    kind,
    keyFingerprint: view.toString('hex', 12, 20),
    itemId,
    headerBytes,
    ciphertextLength,
  };
}

/**
 * Structure, key, item and kind, then the GCM tag — and only then inflates (capped) and parses. A sidecar of
 * another item is refused even when authentic (INTEGRITY): it was copied or swapped between items.
 */
export async function openSidecar(
  key: CipherKey,
  bytes: Uint8Array,
  expected: { itemId: string; kind: SidecarKind },
  source = 'sidecar',
): Promise<SidecarContent> {
  const header = readSidecarHeader(bytes, source);
  if (header.keyFingerprint !== key.fingerprint) {
    throw new CipherLensError(
      'WRONG_KEY',
      `wrong key (${source} was encrypted with key fingerprint ${header.keyFingerprint}, active key is ${key.fingerprint})`,
    );
  }
  if (header.itemId !== expected.itemId || header.kind !== expected.kind) {
    throw new CipherLensError(
      'INTEGRITY',
      `${source} belongs to another item (${header.itemId}, ${header.kind}): sidecars were swapped or copied between items`,
    );
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const nonceAt = header.headerBytes - 4 - NONCE_BYTES;
  const decipher = createDecipheriv(
    'aes-256-gcm',
    sidecarKey(key),
    view.subarray(nonceAt, nonceAt + NONCE_BYTES),
    {
      authTagLength: TAG_BYTES,
    },
  );
  decipher.setAAD(view.subarray(0, header.headerBytes));
  decipher.setAuthTag(view.subarray(view.length - TAG_BYTES));
  let compressed: Buffer;
  try {
    compressed = Buffer.concat([
      decipher.update(view.subarray(header.headerBytes, view.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new CipherLensError('INTEGRITY', `integrity check failed: ${source} was modified or damaged`);
  }
  let plain: Buffer;
  try {
    plain = await inflateAsync(compressed, { maxOutputLength: MAX_PLAIN_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CipherLensError(
        'TOO_LARGE',
        `${source} decompresses to more than ${MAX_PLAIN_BYTES} bytes: refused as a decompression bomb or a damaged file`,
      );
    }
    // Authentic yet not inflatable: written by a broken build, said as such.
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} holds unreadable compressed data: ${(error as Error).message}`,
    );
  }
  if (plain.length < 4) throw new CipherLensError('BAD_FORMAT', `${source} holds no JSON length`);
  const jsonLength = plain.readUInt32BE(0);
  if (jsonLength > MAX_SIDECAR_JSON_BYTES || 4 + jsonLength > plain.length) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} declares ${jsonLength} bytes of JSON, more than it holds`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(4, 4 + jsonLength)));
  } catch {
    throw new CipherLensError('BAD_FORMAT', `${source} holds unreadable JSON`);
  }
  const data = plain.subarray(4 + jsonLength);
  return { json, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** A .clsc file: a regular file of at most MAX_SIDECAR_BYTES (see fs/read.ts). */
export async function readSidecarFile(
  path: string,
  options: { noFollow?: boolean; what?: string } = {},
): Promise<Uint8Array> {
  return readRegularFile(path, MAX_SIDECAR_BYTES, {
    what: options.what ?? `encrypted sidecar ${path}`,
    ...options,
  });
}

function sidecarKey(key: CipherKey): Buffer {
  return deriveSubkey(key.bytes, 'sidecar');
}
