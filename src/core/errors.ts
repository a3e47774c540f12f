/**
 * Every failure CipherLens reports to a person goes through this class, so hosts (CLI, IPC, HTTP)
 * can show `message` as-is and branch on `code` without parsing text.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'NOT_SQUARE'
  | 'BAD_SIZE'
  | 'IMAGE_DECODE'
  | 'IMAGE_TOO_LARGE'
  | 'WRONG_KEY'
  | 'INTEGRITY'
  | 'TRUNCATED'
  | 'BAD_FORMAT'
  | 'BAD_PASSPHRASE'
  | 'NOT_FOUND'
  | 'MODEL_MISMATCH'
  | 'DATASET'
  | 'DEPENDENCY_MISSING'
  | 'CANCELLED'
  /** A file or a decompressed stream over one of the limits in docs/security.md ("Limits"). */
  | 'TOO_LARGE'
  /** ENOSPC / EDQUOT: the disk (or the quota) is full. */
  | 'DISK_FULL'
  /** EROFS: the file system is mounted read-only. */
  | 'READ_ONLY'
  /** EACCES / EPERM: the operating system refused access. */
  | 'PERMISSION_DENIED'
  /** EMFILE / ENFILE: the process or the system has too many open files. */
  | 'TOO_MANY_FILES'
  /** A file the request would create is already there, and overwriting it was not asked for. */
  | 'ALREADY_EXISTS'
  /** The image decoder's queue is full (docs/security.md, "Limits"): try again in a moment. */
  | 'BUSY'
  /** A remote server (a PACS) refused the credentials: HTTP 401 or 403. */
  | 'REMOTE_AUTH'
  /** A remote server (a PACS) could not be reached: refused connection, unknown host, TLS failure, timeout. */
  | 'REMOTE_UNREACHABLE'
  /** A remote server (a PACS) answered with an error status or with something that is not what was asked for. */
  | 'REMOTE_ERROR'
  | 'INTERNAL';

export class CipherLensError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CipherLensError';
    this.code = code;
  }
}

export function isCipherLensError(error: unknown): error is CipherLensError {
  return error instanceof CipherLensError;
}

/** A message fit to show a person, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
