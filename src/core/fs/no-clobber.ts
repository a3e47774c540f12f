import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CipherLensError } from '../errors.js';

/**
 * Writes a new file and never replaces an existing one: the data goes to a temporary sibling, is fsynced, then
 * hard-linked to `path` — link(2) fails with EEXIST when anything is there, so the check and the creation are
 * one atomic step and a crash never leaves a half-written file. On file systems without hard links (FAT,
 * exFAT) the file is created with O_EXCL instead, which is just as safe against overwriting.
 */
export async function writeFileNoClobber(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const mode = options.mode ?? 0o644;
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw alreadyExists(path);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    await writeExclusive(path, data, mode);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function writeExclusive(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(path);
    throw error;
  }
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const alreadyExists = (path: string): CipherLensError =>
  new CipherLensError('ALREADY_EXISTS', `${path} already exists: it was not overwritten`);
