import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { streamRegularFile } from '../fs/read.js';

export type HashAlgorithm = 'sha256' | 'md5';

/** Streams a file through one or more hashes; returns lower-case hex digests and the byte count. */
export async function hashFile(
  path: string,
  algorithms: readonly HashAlgorithm[] = ['sha256'],
): Promise<{ bytes: number; digests: Record<HashAlgorithm, string | undefined> }> {
  const hashes = algorithms.map((algorithm) => ({ algorithm, hash: createHash(algorithm) }));
  let bytes = 0;
  // Streamed, never held: no size cap, but a regular file only (a device would be hashed forever).
  for await (const chunk of streamRegularFile(path, Number.MAX_SAFE_INTEGER)) {
    bytes += chunk.length;
    for (const { hash } of hashes) hash.update(chunk);
  }
  const digests: Record<HashAlgorithm, string | undefined> = { sha256: undefined, md5: undefined };
  for (const { algorithm, hash } of hashes) digests[algorithm] = hash.digest('hex');
  return { bytes, digests };
}

/** One input file of a dataset, as recorded in export manifests. */
export interface SourceFile {
  name: string;
  bytes: number;
  sha256: string;
}

export async function describeSourceFile(path: string, name = basename(path)): Promise<SourceFile> {
  const { bytes, digests } = await hashFile(path, ['sha256']);
  return { name, bytes, sha256: digests.sha256 ?? '' };
}
