import type { ConversionOptions, ImageSource, ImportResult } from '../../../shared/index.js';
import type { CollectedFile } from '../../components/fileInputs.js';
import { describeError } from '../../components/messages.js';
import { EMPTY_IMPORT, mergeImportResults } from './importSummary.js';

/** What the file import panel decides, apart from drawing it (tested in test/renderer/file-import.test.ts). */

// One upload request stays well under the host's body limit; small batches also keep progress smooth.
export const BATCH_FILES = 32;
export const BATCH_BYTES = 12 * 1024 * 1024;

export type Fit = ConversionOptions['fit'];

export interface ImportOptions {
  fit: Fit;
  dicomWindow: 'file' | 'auto';
  dicomFrame: number;
  labelFromFolder: boolean;
  label: string;
}

export const defaultImportOptions = (): ImportOptions => ({
  fit: 'resize',
  dicomWindow: 'file',
  dicomFrame: 0,
  labelFromFolder: true,
  label: '',
});

export const conversionOf = (options: ImportOptions): ConversionOptions => ({
  fit: options.fit,
  dicomWindow: options.dicomWindow,
  dicomFrame: options.dicomFrame,
});

/** The frame field's text as a frame index: a whole number, 0 for anything else. */
export const frameIndex = (text: string): number => Math.max(0, Math.floor(Number(text) || 0));

/** The folder an image sat in, below what was dropped or picked: the class label of class-folder datasets. */
export function folderLabel(relativePath: string): string | undefined {
  const parts = relativePath.split('/').filter(Boolean);
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/** The label an uploaded file gets: the one typed for all, else its folder's name when asked for. */
export function uploadLabel(options: ImportOptions, relativePath: string): string | undefined {
  return options.label || (options.labelFromFolder ? folderLabel(relativePath) : undefined);
}

/** Files in upload requests of at most BATCH_FILES files and BATCH_BYTES bytes (a larger file goes alone). */
export function batches(files: readonly CollectedFile[]): CollectedFile[][] {
  const result: CollectedFile[][] = [];
  let current: CollectedFile[] = [];
  let bytes = 0;
  for (const item of files) {
    if (current.length > 0 && (current.length >= BATCH_FILES || bytes + item.file.size > BATCH_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.file.size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** The back end's paths of every source, or null unless each one has a path (then the files are uploaded). */
export function pathsOfAll(sources: readonly ImageSource[]): string[] | null {
  const paths = sources.flatMap((source) => (source.kind === 'path' ? [source.path] : []));
  return paths.length === sources.length && paths.length > 0 ? paths : null;
}

export interface UploadFile {
  name: string;
  dataBase64: string;
  label?: string;
}

export interface UploadSteps {
  encode(file: File): Promise<string>;
  upload(files: UploadFile[]): Promise<ImportResult>;
  /** Before each batch: how many files are sent so far, and the first name of the next batch. */
  progress(sent: number, total: number, next: string): void;
  cancelled(): boolean;
}

/**
 * Uploads in batches, merging what each request did. A file that cannot be read is skipped with its reason; the
 * rest go on. Cancelling stops before the next batch; what was stored stays stored.
 */
export async function uploadInBatches(
  files: readonly CollectedFile[],
  options: ImportOptions,
  steps: UploadSteps,
): Promise<ImportResult> {
  let total = EMPTY_IMPORT;
  let sent = 0;
  for (const batch of batches(files)) {
    if (steps.cancelled()) break;
    steps.progress(sent, files.length, batch[0]?.file.name ?? '');
    const payload: UploadFile[] = [];
    for (const { file, relativePath } of batch) {
      try {
        const label = uploadLabel(options, relativePath);
        payload.push({ name: file.name, dataBase64: await steps.encode(file), ...(label ? { label } : {}) });
      } catch (error) {
        total = mergeImportResults(total, {
          imported: [],
          skipped: [{ name: file.name, code: 'BAD_INPUT', reason: describeError(error) }],
          alreadyPresent: 0,
        });
      }
    }
    if (payload.length > 0) total = mergeImportResults(total, await steps.upload(payload));
    sent += batch.length;
  }
  return total;
}
