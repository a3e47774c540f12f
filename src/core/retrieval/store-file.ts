import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { z } from 'zod';
import { CipherLensError } from '../errors.js';
import type { StoreDescription, StoredItem } from './vector-store.js';

/**
 * On-disk index: 8-byte magic, u32 LE header length, UTF-8 JSON header (description, items in row order,
 * SHA-256 of the vector bytes), zero padding to a 4-byte boundary, then `count × dimension` float32 LE.
 * The vectors are already L2-normalised, so loading never needs the model.
 */
export const STORE_MAGIC = 'CLVSTOR1';
export const STORE_FILE_VERSION = 1;

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

const headerSchema = z.object({
  format: z.literal('cipherlens-vectors'),
  version: z.literal(STORE_FILE_VERSION),
  count: z.number().int().min(0),
  vectorsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  description: z.object({
    dimension: z.number().int().min(1),
    metric: z.literal('cosine'),
    modelId: z.string().nullable(),
    keyFingerprint: z.string().nullable(),
    condition: z.string().nullable(),
    dataset: z.string().nullable(),
    split: z.string().nullable(),
    classes: z.array(z.string()).nullable(),
    createdAt: z.string(),
  }),
  items: z.array(
    z.object({
      id: z.string(),
      label: z.string().nullable(),
      // Absent in indexes written before the fields existed: read as not recorded.
      keyFingerprint: z.string().nullable().default(null),
      source: z.string().nullable().default(null),
      metadata: z.record(z.string(), jsonValue),
    }),
  ),
  /**
   * Ties an HNSW graph file to exactly this set of vectors (ann-store.ts): its name part, size and SHA-256, checked
   * before the native loader sees the file (a damaged graph must be rebuilt, never parsed). Absent: exact only.
   */
  graph: z
    .object({
      generation: z.string().regex(/^[0-9a-f]{16}$/),
      bytes: z.number().int().min(0),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .optional(),
});

function requireLittleEndian(): void {
  if (endianness() !== 'LE')
    throw new CipherLensError('INTERNAL', 'vector index files need a little-endian CPU');
}

const padding = (length: number): number => (4 - (length % 4)) % 4;

/** The HNSW graph file that belongs to an index file (ann-store.ts). */
export interface GraphRecord {
  generation: string;
  bytes: number;
  sha256: string;
}

/** `vectors` are the rows in item order (their concatenation is `items.length × dimension` values). */
export function encodeStoreFile(
  description: StoreDescription,
  items: readonly StoredItem[],
  vectors: readonly Float32Array[],
  graph?: GraphRecord,
): Uint8Array {
  requireLittleEndian();
  const hash = createHash('sha256');
  let vectorBytes = 0;
  for (const block of vectors) {
    hash.update(new Uint8Array(block.buffer, block.byteOffset, block.byteLength));
    vectorBytes += block.byteLength;
  }
  if (vectorBytes !== items.length * description.dimension * 4) {
    throw new CipherLensError(
      'INTERNAL',
      `index has ${items.length} items but ${vectorBytes / 4} vector values`,
    );
  }
  const header = new TextEncoder().encode(
    JSON.stringify({
      format: 'cipherlens-vectors',
      version: STORE_FILE_VERSION,
      count: items.length,
      vectorsSha256: hash.digest('hex'),
      description,
      items: items.map(({ id, label, keyFingerprint, source, metadata }) => ({
        id,
        label,
        keyFingerprint,
        source,
        metadata,
      })),
      ...(graph !== undefined && { graph }),
    }),
  );
  const start = 12 + header.length + padding(12 + header.length);
  const out = new Uint8Array(start + vectorBytes);
  out.set(new TextEncoder().encode(STORE_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  let offset = start;
  for (const block of vectors) {
    out.set(new Uint8Array(block.buffer, block.byteOffset, block.byteLength), offset);
    offset += block.byteLength;
  }
  return out;
}

export interface DecodedStore {
  description: StoreDescription;
  items: StoredItem[];
  /** `items.length × dimension` values, a copy owned by the caller. */
  vectors: Float32Array;
  graph: GraphRecord | null;
}

export function decodeStoreFile(bytes: Uint8Array, source: string): DecodedStore {
  requireLittleEndian();
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== STORE_MAGIC) {
    throw new CipherLensError('BAD_FORMAT', `${source} is not a CipherLens vector index`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + headerLength > bytes.length) {
    throw new CipherLensError('TRUNCATED', `${source} is truncated (header runs past the end of the file)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    throw new CipherLensError('BAD_FORMAT', `${source} has a damaged header`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} has an invalid header:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const header = parsed.data;
  if (header.items.length !== header.count) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} lists ${header.items.length} items but declares ${header.count}`,
    );
  }
  const start = 12 + headerLength + padding(12 + headerLength);
  const byteLength = header.count * header.description.dimension * 4;
  if (bytes.length !== start + byteLength) {
    const problem = bytes.length < start + byteLength ? 'TRUNCATED' : 'BAD_FORMAT';
    throw new CipherLensError(
      problem,
      `${source} holds ${bytes.length - start} vector bytes, expected ${byteLength}`,
    );
  }
  const raw = bytes.subarray(start, start + byteLength);
  if (createHash('sha256').update(raw).digest('hex') !== header.vectorsSha256) {
    throw new CipherLensError('INTEGRITY', `${source} is damaged: its vectors do not match their checksum`);
  }
  const vectors = new Float32Array(header.count * header.description.dimension);
  new Uint8Array(vectors.buffer).set(raw);
  return {
    description: header.description,
    items: header.items as StoredItem[],
    vectors,
    graph: header.graph ?? null,
  };
}
