import { createGunzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { CipherLensError } from '../errors.js';

const gunzipAsync = promisify(gunzip);

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

/** Gunzips `bytes` when they carry the gzip magic, else returns them unchanged. */
export async function maybeGunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (error) {
    throw gzipError(error, source);
  }
}

/** Pipes a compressed stream through gunzip, turning zlib failures into errors that name `source`. */
export async function* gunzipStream(input: Readable, source: string): AsyncGenerator<Buffer> {
  const gunzipper = createGunzip();
  input.on('error', (error) => gunzipper.destroy(error));
  input.pipe(gunzipper);
  try {
    for await (const chunk of gunzipper as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    if (error instanceof CipherLensError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    throw gzipError(error, source);
  } finally {
    input.unpipe(gunzipper);
    input.destroy();
    gunzipper.destroy();
  }
}
