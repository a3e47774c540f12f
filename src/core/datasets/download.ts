import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CipherLensError } from '../errors.js';
import { hashFile } from './checksum.js';
import { MEDNIST_FILE, MNIST_FILES, type KnownFile } from './sources.js';

export interface DownloadTarget {
  url: string;
  destination: string;
  /** Expected size, when known: checked against the server's and the result. */
  bytes?: number;
  /** The download is accepted when any listed checksum matches. At least one list must be non-empty. */
  sha256?: readonly string[];
  md5?: readonly string[];
}

export interface DownloadOptions {
  onProgress?: (received: number, total: number | null) => void;
  /** Further attempts after a dropped connection; each resumes from the bytes already on disk. */
  retries?: number;
  /** Gives up when no data arrives for this long. */
  stallTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  md5: string;
  /** 'present': the file was already there and verified; 'downloaded': fetched (possibly resuming). */
  status: 'present' | 'downloaded';
  /** Bytes already on disk (.part) when the successful request started; 0 when it fetched from the start. */
  resumedFrom: number;
}

const partPath = (destination: string): string => `${destination}.part`;

function matchesKnown(target: DownloadTarget, sha256: string, md5: string): boolean {
  return (target.sha256 ?? []).includes(sha256) || (target.md5 ?? []).includes(md5);
}

async function sizeOf(path: string): Promise<number | null> {
  return stat(path).then(
    (info) => info.size,
    () => null,
  );
}

/** Seeds hashes with the bytes already in the .part file, so a resumed download is verified whole. */
async function hashExisting(path: string, hashes: Hash[]): Promise<void> {
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>)
    for (const hash of hashes) hash.update(chunk);
}

class RetryableError extends Error {}

/**
 * One HTTP attempt: asks for the bytes after what the .part file holds (HTTP Range), appends them, and
 * returns once the body is complete. A server that ignores the Range restarts the file from zero.
 */
async function attempt(
  target: DownloadTarget,
  options: DownloadOptions,
): Promise<{ sha256: string; md5: string; bytes: number; resumedFrom: number }> {
  const part = partPath(target.destination);
  let offset = (await sizeOf(part)) ?? 0;
  const controller = new AbortController();
  let stallTimer: NodeJS.Timeout | undefined;
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const armStallTimer = (): void => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => controller.abort(new RetryableError('no data received')), stallTimeoutMs);
  };
  armStallTimer();
  try {
    let response: Response;
    try {
      response = await (options.fetchImpl ?? fetch)(target.url, {
        headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
        signal: controller.signal,
        redirect: 'follow',
      });
    } catch (error) {
      throw new RetryableError(`cannot reach ${target.url}: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 416 && offset > 0) {
      // The .part already holds the whole file (or is longer than it): verify what we have.
      await response.body?.cancel();
      const { digests } = await hashFile(part, ['sha256', 'md5']);
      return { sha256: digests.sha256!, md5: digests.md5!, bytes: offset, resumedFrom: offset };
    }
    if (response.status === 404 || response.status === 410) {
      throw new CipherLensError(
        'NOT_FOUND',
        `download failed: ${target.url} answered ${response.status} (not found)`,
      );
    }
    if (response.status >= 500) throw new RetryableError(`${target.url} answered ${response.status}`);
    if (response.status !== 200 && response.status !== 206) {
      throw new CipherLensError('DATASET', `download failed: ${target.url} answered HTTP ${response.status}`);
    }
    if (response.status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== offset) {
        throw new CipherLensError(
          'DATASET',
          `download failed: ${target.url} resumed at the wrong place (${response.headers.get('content-range')})`,
        );
      }
    } else {
      offset = 0;
    }
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? offset + length : (target.bytes ?? null);
    if (total !== null && target.bytes !== undefined && total !== target.bytes) {
      throw new CipherLensError(
        'INTEGRITY',
        `download failed: ${target.url} is ${total} bytes, expected ${target.bytes} (wrong file?)`,
      );
    }
    if (!response.body) throw new RetryableError(`${target.url} sent no body`);

    const hashes = [createHash('sha256'), createHash('md5')] as const;
    if (offset > 0) await hashExisting(part, [...hashes]);
    await mkdir(dirname(part), { recursive: true });
    const handle = await open(part, offset > 0 ? 'a' : 'w');
    let received = offset;
    try {
      options.onProgress?.(received, total);
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        armStallTimer();
        await handle.write(chunk);
        for (const hash of hashes) hash.update(chunk);
        received += chunk.length;
        options.onProgress?.(received, total);
      }
      await handle.sync();
    } catch (error) {
      if (error instanceof CipherLensError) throw error;
      throw new RetryableError(`connection to ${target.url} dropped after ${received} bytes`, {
        cause: error,
      });
    } finally {
      await handle.close();
    }
    if (total !== null && received !== total) {
      throw new RetryableError(`connection to ${target.url} ended after ${received} of ${total} bytes`);
    }
    return {
      sha256: hashes[0].digest('hex'),
      md5: hashes[1].digest('hex'),
      bytes: received,
      resumedFrom: offset,
    };
  } finally {
    clearTimeout(stallTimer);
  }
}

/**
 * Downloads `target.url` to `target.destination` through `<destination>.part`: resumable (HTTP Range, also
 * across runs), checksum-verified, renamed into place only when verified. An existing destination that
 * verifies is left alone.
 */
export async function downloadFile(
  target: DownloadTarget,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  if (!target.sha256?.length && !target.md5?.length) {
    throw new CipherLensError(
      'INTERNAL',
      `no checksum known for ${target.url}: refusing an unverifiable download`,
    );
  }
  if ((await sizeOf(target.destination)) !== null) {
    const { bytes, digests } = await hashFile(target.destination, ['sha256', 'md5']);
    if (matchesKnown(target, digests.sha256!, digests.md5!)) {
      return {
        path: target.destination,
        bytes,
        sha256: digests.sha256!,
        md5: digests.md5!,
        status: 'present',
        resumedFrom: 0,
      };
    }
    throw new CipherLensError(
      'INTEGRITY',
      `${target.destination} exists but its checksum (sha256 ${digests.sha256}) is not a known one for ${basename(target.destination)}; delete or move it and download again`,
    );
  }
  const retries = options.retries ?? 3;
  for (let attemptIndex = 0; ; attemptIndex++) {
    try {
      const result = await attempt(target, options);
      if (!matchesKnown(target, result.sha256, result.md5)) {
        await rm(partPath(target.destination), { force: true });
        const expected = [
          ...(target.sha256 ?? []).map((h) => `sha256 ${h}`),
          ...(target.md5 ?? []).map((h) => `md5 ${h}`),
        ];
        throw new CipherLensError(
          'INTEGRITY',
          `checksum mismatch for ${target.url}: got sha256 ${result.sha256} (md5 ${result.md5}), expected ${expected.join(' or ')}; the partial file was deleted`,
        );
      }
      await rename(partPath(target.destination), target.destination);
      return {
        path: target.destination,
        bytes: result.bytes,
        sha256: result.sha256,
        md5: result.md5,
        status: 'downloaded',
        resumedFrom: result.resumedFrom,
      };
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      if (attemptIndex >= retries) {
        throw new CipherLensError(
          'DATASET',
          `download of ${target.url} failed after ${attemptIndex + 1} attempts: ${error.message} (run again to resume from ${partPath(target.destination)})`,
          { cause: error },
        );
      }
    }
  }
}

export const DOWNLOADABLE_DATASETS = ['mnist', 'mednist'] as const;
export type DownloadableDataset = (typeof DOWNLOADABLE_DATASETS)[number];

export function datasetFiles(dataset: DownloadableDataset): KnownFile[] {
  return dataset === 'mnist' ? Object.values(MNIST_FILES) : [MEDNIST_FILE];
}

/** The download targets of a dataset under `dataDir`; `mirror` replaces each URL's folder (file names kept). */
export function datasetTargets(
  dataset: DownloadableDataset,
  dataDir: string,
  mirror?: string,
): DownloadTarget[] {
  return datasetFiles(dataset).map((file) => ({
    url: mirror ? `${mirror.replace(/\/+$/, '')}/${basename(file.path)}` : file.url,
    destination: join(dataDir, file.path),
    bytes: file.bytes,
    sha256: file.sha256,
    md5: file.md5,
  }));
}
