import { open, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { CipherLensError } from '../errors.js';
import { fsErrorOf } from '../fs/errors.js';
import { sniffDicom } from './dicom.js';

/**
 * The one extension policy for walking folders (CLI inputs, app import, class-folder datasets): what sharp
 * decodes plus DICOM. Files without an extension are taken when their content is DICOM (looksLikeDicomFile).
 * Files named explicitly are always tried, so a misnamed file gets a decode error rather than vanishing.
 */
export const IMAGE_EXTENSIONS = [
  '.png',
  '.jpg',
  '.jpeg',
  '.tif',
  '.tiff',
  '.webp',
  '.gif',
  '.dcm',
  '.dicom',
] as const;

/** Enough of a file to recognise DICOM by content (preamble + "DICM", or a bare data set's first elements). */
const SNIFF_BYTES = 1024;

/** Whether a file's first bytes are DICOM (Part 10 with or without preamble, or a bare data set). */
export async function looksLikeDicomFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return sniffDicom(head.subarray(0, bytesRead)) !== null;
  } finally {
    await handle.close();
  }
}

/**
 * Whether a file found in a folder is an image under the extension policy: a listed extension, or no extension
 * (or a numeric one) and DICOM content. A DICOMDIR (the media index PS3.10 names so) holds no image and is skipped.
 */
export async function isImageFile(
  path: string,
  extensions: readonly string[] = IMAGE_EXTENSIONS,
): Promise<boolean> {
  const name = basename(path);
  if (name.toUpperCase() === 'DICOMDIR') return false;
  const extension = extname(name).toLowerCase();
  if (extensions.includes(extension)) return true;
  // PACS exports often name files by SOP Instance UID (1.2.840….7): a numeric "extension" is no extension.
  const unnamed = extension === '' || /^\.\d+$/.test(extension);
  return unnamed && extensions.includes('.dcm') && (await looksLikeDicomFile(path));
}

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
  const accepted = extensions.map((e) => e.toLowerCase());
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
        if (await isImageFile(path, accepted)) found.push({ path, relative: relative(input, path) });
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
