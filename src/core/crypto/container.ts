import { createHmac, timingSafeEqual } from 'node:crypto';
import { CipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';
import { MAX_SIZE, MIN_SIZE } from './arnold.js';
import { createImageCipher } from './cipher.js';
import { type Condition, CONDITION_CODES, conditionFromCode, usesPermutation } from './condition.js';
import type { CipherKey } from './keys.js';
import { deriveSubkey } from './subkeys.js';

/**
 * The encrypted image file (.clens). All integers big-endian; layout in docs/encryption.md §7:
 *
 *   0  8  magic 89 43 4C 45 4E 53 0D 0A ("\x89CLENS\r\n": high bit and CR LF catch text-mode mangling)
 *   8  1  version (1 or 2)       9  1  condition code         10  2  flags (0)
 *  12  4  size N                16  8  key fingerprint       24  8  Arnold parameters id (0 unless permuting)
 *  32  2  metadata length L
 *  version 2 only (bound to a workspace item):
 *  34  1  item id length I (1–64)   35  I  item id (ASCII)   35+I  32  record digest
 *  H = 34 (v1) or 67+I (v2):  H  L  metadata (UTF-8 JSON)    H+L  N² ciphertext bytes
 *  end−32 32  HMAC-SHA256 (HKDF "mac" sub-key) over every preceding byte, so also over the item binding
 *
 * Version 1 is a standalone file (`cipherlens encrypt`, previewDecrypt). Version 2 is a workspace image: the item
 * id and the digest of its record (workspace/item-binding.ts) are authenticated with the pixels, so a container
 * moved to another item, or an older copy put back, is detected instead of shown as the wrong image.
 */
export const CONTAINER_EXTENSION = '.clens';
/** The version of a standalone container (no item binding). */
export const CONTAINER_VERSION = 1;
/** The version of a container bound to a workspace item. */
export const BOUND_CONTAINER_VERSION = 2;
export const CONTAINER_MAGIC = Uint8Array.of(0x89, 0x43, 0x4c, 0x45, 0x4e, 0x53, 0x0d, 0x0a);
const HEADER_BYTES = 34;
const MAC_BYTES = 32;
const DIGEST_BYTES = 32;
export const MAX_ITEM_ID_BYTES = 64;
const ITEM_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_METADATA_BYTES = 4096;
const MAX_METADATA_TEXT = 1024;

/** Optional, authenticated, NOT encrypted: never put anything secret here (a file name can be telling). */
export interface ContainerMetadata {
  name?: string;
  label?: string;
}

export interface ContainerHeader {
  version: number;
  condition: Condition;
  size: number;
  keyFingerprint: string;
  /** null for conditions that do not permute. */
  parametersId: string | null;
  metadataLength: number;
  /** Version 2: the workspace item the container belongs to (authenticated by the MAC); null in version 1. */
  itemId: string | null;
  /** Version 2: the digest of the item's record (64 hex, authenticated by the MAC); null in version 1. */
  recordDigest: string | null;
  /** Where the metadata starts: 34 in version 1, 67 + item id length in version 2. */
  headerBytes: number;
  /** Total length the header promises, MAC included. */
  totalBytes: number;
}

/** What binds a version-2 container to its workspace item. */
export interface ContainerBinding {
  itemId: string;
  /** 64 hex digits: SHA-256 of the record's binding fields (docs/encryption.md §7). */
  recordDigest: string;
}

export interface OpenedContainer {
  header: ContainerHeader;
  metadata: ContainerMetadata;
  /** A copy, verified by the MAC. */
  ciphertext: Uint8Array;
}

/** Packs ciphertext already produced by `createImageCipher(key, condition, size)`. */
export function sealCiphertext(
  key: CipherKey,
  condition: Condition,
  size: number,
  ciphertext: Uint8Array,
  metadata: ContainerMetadata = {},
  binding: ContainerBinding | null = null,
): Uint8Array {
  const cipher = createImageCipher(key, condition, size);
  if (!/^[0-9a-f]{16}$/.test(key.fingerprint)) {
    throw new CipherLensError('BAD_INPUT', `key fingerprint "${key.fingerprint}" is not 16 hex digits`);
  }
  if (ciphertext.length !== size * size) {
    throw new CipherLensError(
      'BAD_SIZE',
      `ciphertext has ${ciphertext.length} bytes; ${size}×${size} needs ${size * size}`,
    );
  }
  const metadataBytes = encodeMetadata(metadata);
  const bindingBytes = encodeBinding(binding);
  const headerBytes = HEADER_BYTES + bindingBytes.length;
  const total = headerBytes + metadataBytes.length + ciphertext.length + MAC_BYTES;
  const out = Buffer.alloc(total);
  out.set(CONTAINER_MAGIC, 0);
  out[8] = binding ? BOUND_CONTAINER_VERSION : CONTAINER_VERSION;
  out[9] = CONDITION_CODES[condition];
  out.writeUInt16BE(0, 10);
  out.writeUInt32BE(size, 12);
  out.write(key.fingerprint, 16, 8, 'hex');
  if (cipher.parametersId) out.write(cipher.parametersId, 24, 8, 'hex');
  out.writeUInt16BE(metadataBytes.length, 32);
  out.set(bindingBytes, HEADER_BYTES);
  out.set(metadataBytes, headerBytes);
  out.set(ciphertext, headerBytes + metadataBytes.length);
  const macOffset = total - MAC_BYTES;
  out.set(mac(key, out.subarray(0, macOffset)), macOffset);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Encrypts one N×N image and packs it; with a binding, as a version-2 container of that workspace item. */
export function encryptToContainer(
  key: CipherKey,
  condition: Condition,
  size: number,
  plain: Uint8Array,
  metadata: ContainerMetadata = {},
  binding: ContainerBinding | null = null,
): Uint8Array {
  const ciphertext = createImageCipher(key, condition, size).encrypt(plain);
  return sealCiphertext(key, condition, size, ciphertext, metadata, binding);
}

/**
 * Structure only — nothing here is authenticated yet; use it to say which key a file needs.
 * Checks length, magic, version, fields, then that the length matches what the header promises.
 */
export function readContainerHeader(bytes: Uint8Array, source = 'file'): ContainerHeader {
  if (bytes.length === 0) throw new CipherLensError('BAD_FORMAT', `${source} is empty (0 bytes)`);
  const magicSeen = bytes.subarray(0, CONTAINER_MAGIC.length);
  if (!magicSeen.every((value, i) => value === CONTAINER_MAGIC[i])) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} is not a CipherLens encrypted image (no .clens signature)`,
    );
  }
  if (bytes.length < HEADER_BYTES) {
    throw new CipherLensError(
      'TRUNCATED',
      `${source} is truncated: ${bytes.length} bytes, shorter than the header`,
    );
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = view[8]!;
  if (version !== CONTAINER_VERSION && version !== BOUND_CONTAINER_VERSION) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} uses container version ${version}; this build reads versions ${CONTAINER_VERSION} and ${BOUND_CONTAINER_VERSION}`,
    );
  }
  const condition = conditionFromCode(view[9]!);
  const flags = view.readUInt16BE(10);
  if (flags !== 0) throw new CipherLensError('BAD_FORMAT', `${source} has unknown container flags ${flags}`);
  const size = view.readUInt32BE(12);
  if (size < MIN_SIZE || size > MAX_SIZE) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} declares an image size of ${size}, outside ${MIN_SIZE}–${MAX_SIZE}`,
    );
  }
  const keyFingerprint = view.toString('hex', 16, 24);
  const rawParametersId = view.toString('hex', 24, 32);
  const permuting = usesPermutation(condition);
  if (!permuting && rawParametersId !== '0'.repeat(16)) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} carries Arnold parameters for the non-permuting ${condition}`,
    );
  }
  const metadataLength = view.readUInt16BE(32);
  if (metadataLength > MAX_METADATA_BYTES) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} declares ${metadataLength} bytes of metadata (limit ${MAX_METADATA_BYTES})`,
    );
  }
  let headerBytes = HEADER_BYTES;
  let itemId: string | null = null;
  let recordDigest: string | null = null;
  if (version === BOUND_CONTAINER_VERSION) {
    const idLength = bytes.length > HEADER_BYTES ? view[HEADER_BYTES]! : 0;
    if (bytes.length <= HEADER_BYTES || bytes.length < HEADER_BYTES + 1 + idLength + DIGEST_BYTES) {
      throw new CipherLensError(
        'TRUNCATED',
        `${source} is truncated: ${bytes.length} bytes, shorter than its version-2 header`,
      );
    }
    itemId = view.toString('latin1', HEADER_BYTES + 1, HEADER_BYTES + 1 + idLength);
    if (idLength < 1 || idLength > MAX_ITEM_ID_BYTES || !ITEM_ID.test(itemId)) {
      throw new CipherLensError('BAD_FORMAT', `${source} has a malformed item id in its header`);
    }
    headerBytes = HEADER_BYTES + 1 + idLength + DIGEST_BYTES;
    recordDigest = view.toString('hex', headerBytes - DIGEST_BYTES, headerBytes);
  }
  const totalBytes = headerBytes + metadataLength + size * size + MAC_BYTES;
  if (bytes.length < totalBytes) {
    throw new CipherLensError(
      'TRUNCATED',
      `${source} is truncated: ${bytes.length} bytes, but a ${size}×${size} image needs ${totalBytes}`,
    );
  }
  if (bytes.length > totalBytes) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} has ${bytes.length - totalBytes} unexpected bytes after the ${totalBytes} its header describes`,
    );
  }
  return {
    version,
    condition,
    size,
    keyFingerprint,
    parametersId: permuting ? rawParametersId : null,
    metadataLength,
    itemId,
    recordDigest,
    headerBytes,
    totalBytes,
  };
}

/** Structure, then key fingerprint, then MAC — and only then anything derived from the content. */
export function openContainer(key: CipherKey, bytes: Uint8Array, source = 'file'): OpenedContainer {
  const header = readContainerHeader(bytes, source);
  if (header.keyFingerprint !== key.fingerprint) {
    throw new CipherLensError(
      'WRONG_KEY',
      `wrong key (${source} was encrypted with key fingerprint ${header.keyFingerprint}, active key is ${key.fingerprint})`,
    );
  }
  const macOffset = bytes.length - MAC_BYTES;
  const expected = mac(key, bytes.subarray(0, macOffset));
  if (!timingSafeEqual(expected, bytes.subarray(macOffset))) {
    throw new CipherLensError('INTEGRITY', `integrity check failed: ${source} was modified or damaged`);
  }
  const cipher = createImageCipher(key, header.condition, header.size);
  if (cipher.parametersId !== header.parametersId) {
    // Authentic, yet derived differently: written by a build with another encryption spec.
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} was encrypted with Arnold parameters ${String(header.parametersId)}, but this build derives ${String(cipher.parametersId)} from the same key (encryption spec mismatch)`,
    );
  }
  const metadataEnd = header.headerBytes + header.metadataLength;
  const metadata = decodeMetadata(bytes.subarray(header.headerBytes, metadataEnd), source);
  return { header, metadata, ciphertext: bytes.slice(metadataEnd, macOffset) };
}

/** Verifies and decrypts: pixels are returned only from an authentic container. */
export function decryptContainer(
  key: CipherKey,
  bytes: Uint8Array,
  source = 'file',
): OpenedContainer & { pixels: Uint8Array } {
  const opened = openContainer(key, bytes, source);
  const pixels = createImageCipher(key, opened.header.condition, opened.header.size).decrypt(
    opened.ciphertext,
  );
  return { ...opened, pixels };
}

function mac(key: CipherKey, data: Uint8Array): Buffer {
  return createHmac('sha256', deriveSubkey(key.bytes, 'mac')).update(data).digest();
}

function encodeBinding(binding: ContainerBinding | null): Buffer {
  if (!binding) return Buffer.alloc(0);
  if (!ITEM_ID.test(binding.itemId)) {
    throw new CipherLensError('BAD_INPUT', `"${binding.itemId}" is not a workspace item id`);
  }
  if (!/^[0-9a-f]{64}$/.test(binding.recordDigest)) {
    throw new CipherLensError('BAD_INPUT', 'a record digest is 64 lowercase hex digits');
  }
  const id = Buffer.from(binding.itemId, 'latin1');
  return Buffer.concat([Uint8Array.of(id.length), id, Buffer.from(binding.recordDigest, 'hex')]);
}

function encodeMetadata(metadata: ContainerMetadata): Buffer {
  const clean: ContainerMetadata = {};
  for (const field of ['name', 'label'] as const) {
    const value = metadata[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > MAX_METADATA_TEXT) {
      throw new CipherLensError(
        'BAD_INPUT',
        `container ${field} must be a string of at most ${MAX_METADATA_TEXT} characters`,
      );
    }
    clean[field] = value;
  }
  if (Object.keys(clean).length === 0) return Buffer.alloc(0);
  const encoded = Buffer.from(JSON.stringify(clean), 'utf8');
  if (encoded.length > MAX_METADATA_BYTES) {
    throw new CipherLensError(
      'BAD_INPUT',
      `container metadata is ${encoded.length} bytes (limit ${MAX_METADATA_BYTES})`,
    );
  }
  return encoded;
}

function decodeMetadata(bytes: Uint8Array, source: string): ContainerMetadata {
  if (bytes.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new CipherLensError('BAD_FORMAT', `${source} has unreadable metadata`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CipherLensError('BAD_FORMAT', `${source} has metadata that is not a JSON object`);
  }
  const record = parsed as Record<string, unknown>;
  const metadata: ContainerMetadata = {};
  if (typeof record.name === 'string') metadata.name = record.name;
  if (typeof record.label === 'string') metadata.label = record.label;
  return metadata;
}

/** The largest well-formed container: bigger files are refused before being read into memory. */
export const MAX_CONTAINER_BYTES =
  HEADER_BYTES + 1 + MAX_ITEM_ID_BYTES + DIGEST_BYTES + MAX_METADATA_BYTES + MAX_SIZE * MAX_SIZE + MAC_BYTES;

/** A .clens file named by a caller: a regular file of at most MAX_CONTAINER_BYTES (see fs/read.ts). */
export async function readContainerFile(path: string): Promise<Uint8Array> {
  return readRegularFile(path, MAX_CONTAINER_BYTES, { what: `encrypted image ${path}` });
}
