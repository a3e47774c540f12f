import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fromFsError } from './errors.js';

/** Most file systems allow 255 bytes per name. */
const MAX_NAME_BYTES = 255;

/**
 * The temporary sibling `<name>.<12 hex>.tmp`; for a name so long that the suffix would take it past 255 bytes,
 * the name is shortened first (a 250-byte name is a valid target, its temporary must be too).
 */
export function temporaryPathFor(path: string): string {
  const suffix = `.${randomBytes(6).toString('hex')}.tmp`;
  let name = basename(path);
  while (Buffer.byteLength(name) + suffix.length > MAX_NAME_BYTES && name.length > 0) {
    name = name.slice(0, -1);
  }
  return join(dirname(path), `${name}${suffix}`);
}

/**
 * Write to a temporary sibling, fsync, then rename over the target: a crash leaves either the old file or
 * the new one, never a half-written file. Failures such as a full disk come back as CipherLensErrors that say
 * so (fs/errors.ts), and the temporary is removed.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  try {
    await writeNow(path, data, options);
  } catch (error) {
    throw await fromFsError(error, { what: path, path });
  }
}

async function writeNow(path: string, data: string | Uint8Array, options: { mode?: number }): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPathFor(path);
  const handle = await open(temporary, 'w', options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
