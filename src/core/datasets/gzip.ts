import { createGunzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { CipherLensError } from '../errors.js';
import { formatBytes } from '../fs/read.js';

const gunzipAsync = promisify(gunzip);

/**
 * The most any gunzip in CipherLens may produce unless its caller sets a tighter cap: a few megabytes of gzip
 * can inflate to gigabytes (2 MB of gzip → 2 GiB of zeros), so every inflate is bounded by what its format can
 * legitimately need (an IDX file by its header's dimensions, a tar archive by its total cap).
 */
export const MAX_INFLATED_BYTES = 2 * 1024 * 1024 * 1024;

export const isGzip = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

function gzipError(error: unknown, source: string): CipherLensError {
  const detail = error instanceof Error ? error.message : String(error);
  const truncated = /unexpected end of file/i.test(detail);
  return new CipherLensError(
    truncated ? 'TRUNCATED' : 'BAD_FORMAT',
    truncated
      ? `${source} is truncated: the gzip stream ends early (re-download the file)`
      : `${source} is not a valid gzip file: ${detail}`,
    { cause: error },
  );
}

export const inflateTooLarge = (source: string, maxBytes: number, why = ''): CipherLensError =>
  new CipherLensError(
    'TOO_LARGE',
    `${source} decompresses to more than ${formatBytes(maxBytes)} (${maxBytes} bytes)${why}: refused as a decompression bomb or a damaged file`,
  );

/** Gunzips `bytes` when they carry the gzip magic, else returns them unchanged; never more than `maxBytes`. */
export async function maybeGunzip(
  bytes: Uint8Array,
  source: string,
  maxBytes = MAX_INFLATED_BYTES,
): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw inflateTooLarge(source, maxBytes);
    throw gzipError(error, source);
  }
}

/**
 * Pipes a compressed stream through gunzip, turning zlib failures into errors that name `source`, and stops with
 * TOO_LARGE once more than `maxBytes` came out (the inflater is destroyed at once, so no more is produced).
 */
export async function* gunzipStream(
  input: Readable | AsyncIterable<Buffer>,
  source: string,
  options: { maxBytes?: number } = {},
): AsyncGenerator<Buffer> {
  const maxBytes = options.maxBytes ?? MAX_INFLATED_BYTES;
  const readable = input instanceof Readable ? input : Readable.from(input, { objectMode: false });
  const gunzipper = createGunzip();
  readable.on('error', (error) => gunzipper.destroy(error));
  readable.pipe(gunzipper);
  let total = 0;
  try {
    for await (const chunk of gunzipper as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw inflateTooLarge(source, maxBytes);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof CipherLensError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    throw gzipError(error, source);
  } finally {
    readable.unpipe(gunzipper);
    readable.destroy();
    gunzipper.destroy();
  }
}
