import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CipherLensError } from '../errors.js';
import { isImageFile } from '../image/files.js';

export const MAX_IMPORT_FILES = 200_000;

export interface ImportFile {
  path: string;
  /** The parent folder's name for files found inside an imported folder (class-folder layouts); else null. */
  folderLabel: string | null;
}

export interface CollectedFiles {
  files: ImportFile[];
  /** Paths given explicitly that could not be used, with the reason. */
  rejected: { path: string; code: string; reason: string }[];
}

/**
 * Expands the paths a person picked: files as given, folders recursively (sorted, hidden entries and
 * symbolic links to folders skipped, other files ignored unless they are images).
 */
export async function collectImportFiles(paths: readonly string[]): Promise<CollectedFiles> {
  const files: ImportFile[] = [];
  const rejected: CollectedFiles['rejected'] = [];
  const add = (file: ImportFile): void => {
    if (files.length >= MAX_IMPORT_FILES) {
      throw new CipherLensError(
        'BAD_INPUT',
        `more than ${MAX_IMPORT_FILES} files: import fewer folders at a time`,
      );
    }
    files.push(file);
  };
  for (const given of paths) {
    const path = resolve(given);
    let info;
    try {
      info = await stat(path);
    } catch {
      rejected.push({ path: given, code: 'NOT_FOUND', reason: 'no such file or folder' });
      continue;
    }
    if (info.isDirectory()) await walk(path, add);
    else if (info.isFile()) add({ path, folderLabel: null });
    else rejected.push({ path: given, code: 'BAD_INPUT', reason: 'not a regular file or folder' });
  }
  return { files, rejected };
}

async function walk(folder: string, add: (file: ImportFile) => void): Promise<void> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, add);
    else if (entry.isFile() && (await isImageFile(path))) add({ path, folderLabel: basename(dirname(path)) });
  }
}
