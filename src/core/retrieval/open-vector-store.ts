import { existsSync } from 'node:fs';
import { CipherLensError } from '../errors.js';
import { AnnCosineStore, type AnnOptions } from './ann-store.js';
import { ExactCosineStore, type ExactPrecision, type NewStoreDescription } from './exact-cosine-store.js';
import { PgVectorStore, type PgVectorOptions } from './pgvector-store.js';
import type { VectorStore } from './vector-store.js';

/**
 * Sizes at which the automatic choice changes, from bench/results/vector-stores.json (docs/retrieval.md, "Choosing
 * a backend"; 2-core AMD EPYC). Below I8_FROM both exact scans answer in ≤ 3.3 ms and the int8 copy is not worth
 * its 25 % more memory. The exact int8 scan grows by ≈ 6.3 ms per 100 k vectors (6 ms at 100 k, 19 ms at 300 k,
 * 65 ms at 1 M) and is exact; HNSW at the default ef 128 answers in 0.8–1.3 ms at recall@10 0.998–0.999 on the
 * realistic sets. ANN_FROM is where the exact scan reaches ≈ 20 ms — beyond it HNSW is ≈ 14× faster (and more) for a 0.1–0.2 %
 * recall loss — and where the graph's one-off build (151 s for 300 k on two cores, saved beside the index) is still
 * a wait of minutes, not hours.
 */
export const AUTO_I8_FROM = 20_000;
export const AUTO_ANN_FROM = 300_000;

interface FileSpec {
  /** The index file; without one the store lives in memory (exact and ann only). */
  path?: string;
  threads?: number;
}

export type VectorStoreSpec =
  | ({ kind: 'exact'; precision?: ExactPrecision } & FileSpec)
  | ({ kind: 'ann' } & AnnOptions & FileSpec)
  /** exact (f32, then i8) or ann by the number of stored vectors (AUTO_I8_FROM, AUTO_ANN_FROM). */
  | ({ kind: 'auto'; ann?: Omit<AnnOptions, 'path' | 'threads'> } & FileSpec)
  | ({ kind: 'pgvector' } & PgVectorOptions);

export type VectorStoreKindSetting = VectorStoreSpec['kind'];
export const VECTOR_STORE_KINDS: readonly VectorStoreKindSetting[] = ['auto', 'exact', 'ann', 'pgvector'];

/**
 * Opens the store the spec names. An existing index is opened as it is; a missing one is created from `create`
 * (its description), or NOT_FOUND when `create` is absent. The caller owns the store and closes it.
 */
export async function openVectorStore(
  spec: VectorStoreSpec,
  create?: NewStoreDescription,
): Promise<VectorStore> {
  switch (spec.kind) {
    case 'pgvector':
      return PgVectorStore.open(spec, create);
    case 'exact': {
      const options = { path: spec.path, threads: spec.threads, precision: spec.precision };
      if (spec.path && existsSync(spec.path)) return ExactCosineStore.open(spec.path, options);
      return ExactCosineStore.create(requireDescription(create, spec.path), options);
    }
    case 'ann':
      if (spec.path && existsSync(spec.path)) return AnnCosineStore.open(spec.path, spec);
      return AnnCosineStore.create(requireDescription(create, spec.path), spec);
    case 'auto': {
      const exact =
        spec.path && existsSync(spec.path)
          ? await ExactCosineStore.open(spec.path, { threads: spec.threads })
          : ExactCosineStore.create(requireDescription(create, spec.path), {
              path: spec.path,
              threads: spec.threads,
            });
      const size = exact.rowCount();
      if (size >= AUTO_ANN_FROM)
        return AnnCosineStore.fromExact(exact, { ...spec.ann, path: spec.path, threads: spec.threads });
      if (size >= AUTO_I8_FROM) exact.setPrecision('i8');
      return exact;
    }
    default:
      throw new CipherLensError(
        'BAD_INPUT',
        `unknown vector store kind ${String((spec as { kind: unknown }).kind)}`,
      );
  }
}

/**
 * A new, empty index to build: a file store starts empty in memory and replaces its file on save(); a pgvector
 * table is opened (created when missing), since other workstations may share it.
 */
export async function createVectorStore(
  spec: VectorStoreSpec,
  description: NewStoreDescription,
): Promise<VectorStore> {
  switch (spec.kind) {
    case 'pgvector':
      return PgVectorStore.open(spec, description);
    case 'ann':
      return AnnCosineStore.create(description, spec);
    case 'exact':
      return ExactCosineStore.create(description, {
        path: spec.path,
        threads: spec.threads,
        precision: spec.precision,
      });
    default:
      // The size is not known yet: exact, which openVectorStore turns into HNSW when the saved index is large.
      return ExactCosineStore.create(description, { path: spec.path, threads: spec.threads });
  }
}

function requireDescription(
  create: NewStoreDescription | undefined,
  path: string | undefined,
): NewStoreDescription {
  if (!create) throw new CipherLensError('NOT_FOUND', `no vector index at ${path ?? '(memory)'}`);
  return create;
}
