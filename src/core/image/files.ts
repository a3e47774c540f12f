import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { CipherLensError } from '../errors.js';
import { fsErrorOf } from '../fs/errors.js';

/** Extensions sharp decodes that CipherLens accepts when walking folders (explicit files are always tried). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp', '.gif'] as const;

export interface InputFile {
  path: string;
  /** Path relative to the folder it was found in (or the bare file name for a file given directly). */
  relative: string;
}

/**
 * Expands files and folders (recursively, sorted, hidden entries skipped) into a flat list. Files named
 * directly are kept whatever their extension, so a misnamed file gets a decode error rather than vanishing.
 */
export async function collectInputFiles(
  inputs: readonly string[],
  extensions: readonly string[],
): Promise<InputFile[]> {
  const accepted = new Set(extensions.map((e) => e.toLowerCase()));
  const found: InputFile[] = [];
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch (error) {
      // Says "not valid UTF-8" for a name Node.js could not decode, "does not exist" only when it does not.
      throw (
        fsErrorOf(error, { what: `input ${input}`, path: input }) ??
        new CipherLensError('NOT_FOUND', `input ${input} cannot be read: ${(error as Error).message}`)
      );
    }
    if (info.isDirectory()) {
      for (const path of await walk(input)) {
        if (accepted.has(extname(path).toLowerCase())) found.push({ path, relative: relative(input, path) });
      }
    } else {
      found.push({ path: input, relative: basename(input) });
    }
  }
  return found;
}

async function walk(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const paths: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) paths.push(...(await walk(path)));
    else if (entry.isFile()) paths.push(path);
  }
  return paths;
}

/** `dir/a/b.png` → `a/b` + new extension: keeps the folder structure, swaps the extension. */
export function withExtension(relativePath: string, extension: string): string {
  const current = extname(relativePath);
  return `${current ? relativePath.slice(0, -current.length) : relativePath}${extension}`;
}
