import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CipherLensError } from '../errors.js';

/**
 * The one place where operating-system file errors become CipherLens errors a person can act on. The back end
 * (AppService.call) and the CLI (main) pass every error they did not expect through `fromFsError`, and the
 * file helpers (readRegularFile, writeFileAtomic) through `fsErrorOf`, so a full disk says "the disk holding …
 * is full" instead of "[INTERNAL] unexpected error: ENOSPC".
 */

const MB = 1024 * 1024;

/** Whether `name` (a path as Node.js decoded it) came from bytes that are not UTF-8: Node put U+FFFD there. */
export const hasUndecodableName = (name: string): boolean => name.includes('\uFFFD');

function errnoOf(error: unknown): NodeJS.ErrnoException | null {
  if (!(error instanceof Error)) return null;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? (error as NodeJS.ErrnoException) : null;
}

/** Free bytes on the file system holding `path` (or its nearest existing ancestor); null when unknown. */
export async function freeBytesNear(path: string): Promise<number | null> {
  let at = path;
  for (let depth = 0; depth < 64; depth++) {
    try {
      const info = await statfs(at);
      return Number(info.bavail) * Number(info.bsize);
    } catch {
      const parent = dirname(at);
      if (parent === at) return null;
      at = parent;
    }
  }
  return null;
}

export interface FsErrorContext {
  /** What the file is, in words ("encrypted image x.clens"); defaults to the error's path. */
  what?: string;
  /** The path involved, when the error does not carry one. */
  path?: string;
}

/**
 * A CipherLensError for an operating-system error with a code we can explain, or null for anything else.
 * `freeBytes` is only used for ENOSPC / EDQUOT.
 */
export function fsErrorOf(
  error: unknown,
  context: FsErrorContext = {},
  freeBytes: number | null = null,
): CipherLensError | null {
  if (error instanceof CipherLensError) return error;
  const errno = errnoOf(error);
  if (!errno) return null;
  const path = context.path ?? errno.path;
  const what = context.what ?? (path !== undefined ? path : 'a file');
  const options = { cause: error };
  switch (errno.code) {
    case 'ENOENT':
      if (path !== undefined && hasUndecodableName(path)) {
        return new CipherLensError(
          'BAD_INPUT',
          `the name of ${what} is not valid UTF-8, so it cannot be opened from here: rename it (e.g. \`convmv -f latin1 -t utf8\`) and try again`,
          options,
        );
      }
      return new CipherLensError('NOT_FOUND', `${what} does not exist`, options);
    case 'ENOTDIR':
      return new CipherLensError(
        'NOT_FOUND',
        `${what} does not exist (a part of its path is not a folder)`,
        options,
      );
    case 'EISDIR':
      return new CipherLensError('BAD_INPUT', `${what} is a folder, not a regular file`, options);
    case 'ELOOP':
      return new CipherLensError(
        'BAD_INPUT',
        `${what} is a symbolic link (or a loop of them), which is not followed here`,
        options,
      );
    case 'ENAMETOOLONG':
      return new CipherLensError(
        'BAD_INPUT',
        `the name of ${what} is too long for the file system (at most 255 bytes per name): use a shorter name`,
        options,
      );
    case 'ENOSPC':
    case 'EDQUOT': {
      const where = path !== undefined ? dirname(path) : 'the output';
      const free = freeBytes === null ? '' : `: ${Math.floor(freeBytes / MB)} MB free`;
      const quota = errno.code === 'EDQUOT' ? ' (disk quota exceeded)' : '';
      return new CipherLensError(
        'DISK_FULL',
        `the disk holding ${where} is full${quota}${free}; free space and resume (nothing half-written was kept)`,
        options,
      );
    }
    case 'EROFS':
      return new CipherLensError(
        'READ_ONLY',
        `cannot write ${what}: its file system is mounted read-only; choose a writable folder`,
        options,
      );
    case 'EACCES':
    case 'EPERM':
      return new CipherLensError(
        'PERMISSION_DENIED',
        `permission denied for ${what}: check the owner and permissions of the file and its folder`,
        options,
      );
    case 'EMFILE':
    case 'ENFILE':
      return new CipherLensError(
        'TOO_MANY_FILES',
        `too many open files while opening ${what}: close other programs or raise the limit (ulimit -n), then retry`,
        options,
      );
    default:
      return null;
  }
}

/**
 * The error to report for whatever was thrown: an explainable OS error becomes a CipherLensError (with the free
 * space for a full disk); anything else is returned unchanged.
 */
export async function fromFsError(error: unknown, context: FsErrorContext = {}): Promise<unknown> {
  if (error instanceof CipherLensError) return error;
  const errno = errnoOf(error);
  if (!errno) return error;
  const path = context.path ?? errno.path;
  const free =
    (errno.code === 'ENOSPC' || errno.code === 'EDQUOT') && path !== undefined
      ? await freeBytesNear(dirname(path))
      : null;
  return fsErrorOf(error, context, free) ?? error;
}
