import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { CipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';
import { readImage, type ReadImageOptions } from '../image/read-image.js';
import type { ImportFile } from './import-files.js';
import type { ImportInput } from './importer.js';

/** Largest file read for import: bigger ones are refused before reading (multi-frame DICOM can be large). */
export const MAX_IMPORT_FILE_BYTES = 512 * 1024 * 1024;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A file on disk; its bytes are read once and identified by their hash. */
export function fileImportInput(
  file: ImportFile,
  label: string | null,
  options: ReadImageOptions,
): ImportInput {
  let bytes: Promise<Uint8Array> | null = null;
  const read = (): Promise<Uint8Array> => (bytes ??= readImportFile(file.path));
  const frame = options.dicomFrame ? `, frame ${options.dicomFrame}` : '';
  return {
    name: basename(file.path),
    source: `${file.path}${frame}`,
    label,
    identify: async () => sha256(await read()),
    decode: async () => readImage(await read(), { ...options, name: basename(file.path) }),
  };
}

/** Bytes that arrived with the request (browser uploads). */
export function bytesImportInput(
  name: string,
  bytes: Uint8Array,
  label: string | null,
  options: ReadImageOptions,
): ImportInput {
  return {
    name,
    source: `uploaded ${name}`,
    label,
    identify: async () => sha256(bytes),
    decode: () => readImage(bytes, { ...options, name }),
  };
}

async function readImportFile(path: string): Promise<Uint8Array> {
  try {
    return await readRegularFile(path, MAX_IMPORT_FILE_BYTES, {
      what: path,
      tooLargeCode: 'IMAGE_TOO_LARGE',
    });
  } catch (error) {
    if (error instanceof CipherLensError && error.code === 'NOT_FOUND') {
      throw new CipherLensError('NOT_FOUND', `${path} no longer exists`);
    }
    throw error;
  }
}
