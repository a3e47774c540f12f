import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { CipherLensError, type ErrorCode } from '../errors.js';
import { fromFsError } from './errors.js';

/**
 * Every read of a file named by a caller (CLI argument, API request, data folder) or found in a workspace goes
 * through here, so a device (/dev/zero), a FIFO, a socket or a folder is refused before one byte is read, and no
 * file is read past its limit — not even one that grows while it is read.
 *
 * The file is opened with O_NONBLOCK (opening a FIFO would otherwise wait for a writer, holding one of libuv's
 * four pool threads forever) and, for workspace files, O_NOFOLLOW; the type and size are then checked on the
 * open handle (fstat), not on the path, so nothing can be swapped in between the check and the read.
 */

export interface RegularFileOptions {
  /** What the file is, in words, for messages ("key file k.json"); defaults to the path. */
  what?: string;
  /** Refuse a symbolic link (files CipherLens wrote itself, such as workspace items). */
  noFollow?: boolean;
  /** The code for "over the limit" (IMAGE_TOO_LARGE for images); TOO_LARGE by default. */
  tooLargeCode?: ErrorCode;
}

const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const READ_CHUNK = 1 << 20;

export const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024
    ? `${+(bytes / 1024 / 1024).toFixed(1)} MiB`
    : bytes >= 1024
      ? `${+(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} bytes`;

function typeOf(info: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function tooLarge(what: string, size: string, maxBytes: number, code: ErrorCode): CipherLensError {
  return new CipherLensError(
    code,
    `${what} is ${size}; the limit is ${formatBytes(maxBytes)} (${maxBytes} bytes)`,
  );
}

/** Opens `path` for reading, checks on the handle that it is a regular file within `maxBytes`. */
export async function openRegularFile(
  path: string,
  maxBytes: number,
  options: RegularFileOptions = {},
): Promise<{ handle: FileHandle; size: number }> {
  const what = options.what ?? path;
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | O_NONBLOCK | (options.noFollow ? O_NOFOLLOW : 0));
  } catch (error) {
    throw await fromFsError(error, { what, path });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      const kind = typeOf(info);
      throw new CipherLensError(
        'BAD_INPUT',
        kind === 'not a regular file'
          ? `${what} is not a regular file`
          : `${what} is not a regular file (it is ${kind})`,
      );
    }
    if (info.size > maxBytes) {
      throw tooLarge(what, formatBytes(info.size), maxBytes, options.tooLargeCode ?? 'TOO_LARGE');
    }
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw await fromFsError(error, { what, path });
  }
}

/** Reads at most `maxBytes` of an open handle; more than that (a file that grew) is refused. */
async function readCapped(
  handle: FileHandle,
  size: number,
  maxBytes: number,
  what: string,
  code: ErrorCode,
): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (filled > maxBytes)
        throw tooLarge(what, `over ${formatBytes(maxBytes)} (it grew while being read)`, maxBytes, code);
      const grown = Buffer.allocUnsafe(
        Math.min(maxBytes + 1, Math.max(buffer.length * 2, buffer.length + READ_CHUNK)),
      );
      buffer.copy(grown, 0, 0, filled);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(
      buffer,
      filled,
      Math.min(buffer.length - filled, READ_CHUNK * 16),
      null,
    );
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > maxBytes)
    throw tooLarge(what, `over ${formatBytes(maxBytes)} (it grew while being read)`, maxBytes, code);
  return filled === buffer.length ? buffer : buffer.subarray(0, filled);
}

/** The whole content of a regular file of at most `maxBytes` (see the module comment). */
export async function readRegularFile(
  path: string,
  maxBytes: number,
  options: RegularFileOptions = {},
): Promise<Buffer> {
  const what = options.what ?? path;
  const { handle, size } = await openRegularFile(path, maxBytes, options);
  try {
    return await readCapped(handle, size, maxBytes, what, options.tooLargeCode ?? 'TOO_LARGE');
  } catch (error) {
    throw await fromFsError(error, { what, path });
  } finally {
    await handle.close();
  }
}

/** A regular text file of at most `maxBytes`, decoded as UTF-8. */
export async function readRegularText(
  path: string,
  maxBytes: number,
  options: RegularFileOptions = {},
): Promise<string> {
  return (await readRegularFile(path, maxBytes, options)).toString('utf8');
}

/**
 * Streams a regular file (tar, IDX, archives too big to hold at once) in chunks, never more than `maxBytes` in
 * all: the type and size are checked on the handle first, and a file that grows past the limit is cut off with
 * TOO_LARGE. Stopping early (break / return) closes the file.
 */
export async function* streamRegularFile(
  path: string,
  maxBytes: number,
  options: RegularFileOptions & { chunkBytes?: number } = {},
): AsyncGenerator<Buffer> {
  const what = options.what ?? path;
  const { handle, size } = await openRegularFile(path, maxBytes, options);
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  let total = 0;
  try {
    for (;;) {
      // Sized from fstat: a small file costs a small buffer (thousands of small reads must not churn
      // megabytes); past the size it had, a small probe finds the end (or a file that grew).
      const want = total < size ? Math.min(chunkBytes, size - total) : Math.min(chunkBytes, 4095);
      const buffer = Buffer.allocUnsafe(want);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, want, null));
      } catch (error) {
        throw await fromFsError(error, { what, path });
      }
      if (bytesRead === 0) return;
      total += bytesRead;
      if (total > maxBytes) {
        throw tooLarge(
          what,
          `over ${formatBytes(maxBytes)} (it grew while being read)`,
          maxBytes,
          options.tooLargeCode ?? 'TOO_LARGE',
        );
      }
      yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
