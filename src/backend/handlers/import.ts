import type { z } from 'zod';
import { CipherLensError } from '../../core/errors.js';
import { collectImportFiles } from '../../core/workspace/import-files.js';
import { bytesImportInput, fileImportInput } from '../../core/workspace/import-inputs.js';
import { importImages, type ImportInput, type ImportOutcome } from '../../core/workspace/importer.js';
import type { ConversionOptions } from '../../shared/common.js';
import type { ImportDatasetRequestSchema, ImportPathsRequestSchema } from '../../shared/library.js';
import { STORAGE_CONDITION, type BackendContext } from '../context.js';
import { datasetAvailability, datasetSampleInputs } from '../dataset-sample.js';
import type { JobContext } from '../jobs.js';
import {
  clearPendingImport,
  openPendingImport,
  sealPendingImport,
  writePendingImport,
  type PendingImport,
} from '../pending-import.js';
import { decodeBase64 } from '../images.js';
import { decodeOptions } from '../sources.js';
import type { HandlerGroup } from './types.js';

type PathsRequest = z.output<typeof ImportPathsRequestSchema>;
type DatasetRequest = z.output<typeof ImportDatasetRequestSchema>;

const JOURNAL_EVERY = 50;

/** Same options, same tag: a resumed import recognises what it already stored. */
const conversionTag = (conversion: ConversionOptions, size: number): string =>
  JSON.stringify({ size, fit: conversion.fit, frame: conversion.dicomFrame, window: conversion.dicomWindow });

/** The active model's size when it was trained on this dataset, else the dataset's own size. */
async function datasetImportSize(
  context: BackendContext,
  dataset: DatasetRequest['dataset'],
): Promise<number> {
  const model = await context.activeModelOrNull();
  if (model?.card.dataset === dataset) return model.card.inputSize;
  return datasetAvailability(null).find((entry) => entry.dataset === dataset)!.imageSize;
}

export function importHandlers(
  context: BackendContext,
): HandlerGroup<'importPaths' | 'importUpload' | 'importDataset' | 'importResume'> {
  const refuseConcurrentImport = (): void => {
    const running = [...context.jobs.running('import-paths'), ...context.jobs.running('import-dataset')];
    if (running.length > 0) {
      throw new CipherLensError(
        'BAD_INPUT',
        `an import is already running (job ${running[0]!.id}): wait for it or cancel it`,
      );
    }
  };

  /** Journal, import, clear the journal only on success: a crash or cancel leaves it for importResume. */
  const runImport = async (
    job: JobContext,
    pending: PendingImport,
    inputs: ImportInput[],
    tag: string,
    rejected: ImportOutcome['skipped'],
  ): Promise<ImportOutcome> => {
    const workspace = context.workspace;
    const key = context.activeKey();
    // A path import's request (paths can name a patient) is stored sealed under the import's key.
    const journal = await sealPendingImport({ ...pending, done: 0, total: inputs.length }, key);
    await writePendingImport(workspace, journal);
    let journalWrite = Promise.resolve();
    const outcome = await importImages(workspace, inputs, {
      key,
      condition: STORAGE_CONDITION,
      cipher: context.cipher,
      conversionTag: tag,
      ...(pending.kind === 'import-paths' && { fit: pending.request.conversion.fit }),
      signal: job.signal,
      onProgress: (done, total, message) => {
        job.progress(done, total, message);
        // The journal's count is only what the resume offer shows; the images themselves are the truth.
        if (done % JOURNAL_EVERY === 0 && done > 0) {
          journalWrite = journalWrite.then(() => writePendingImport(workspace, { ...journal, done }));
        }
      },
    });
    await journalWrite;
    await clearPendingImport(workspace);
    return { ...outcome, skipped: [...rejected, ...outcome.skipped] };
  };

  const startPathsImport = (request: PathsRequest): string => {
    context.activeKey();
    refuseConcurrentImport();
    return context.jobs.start('import-paths', async (job) => {
      job.progress(0, 0, 'looking for images');
      const size = await context.importSize(request.conversion.size);
      const { files, rejected } = await collectImportFiles(request.paths);
      const options = decodeOptions(request.conversion, size);
      const inputs = files.map((file) =>
        fileImportInput(file, request.label ?? (request.labelFromFolder ? file.folderLabel : null), options),
      );
      const skipped = rejected.map((r) => ({ name: r.path, code: r.code, reason: r.reason }));
      return runImport(
        job,
        { kind: 'import-paths', request, done: 0, total: 0 },
        inputs,
        conversionTag(request.conversion, size),
        skipped,
      );
    });
  };

  const startDatasetImport = (request: DatasetRequest): string => {
    context.activeKey();
    refuseConcurrentImport();
    return context.jobs.start('import-dataset', async (job) => {
      job.progress(0, 0, `reading ${request.dataset}`);
      const size = await datasetImportSize(context, request.dataset);
      const inputs = await datasetSampleInputs(request, context.options.dataDir, size, (done, total) =>
        job.progress(done, total, `reading ${request.dataset} (${done}/${total})`),
      );
      const tag = `dataset size=${size}`;
      return runImport(job, { kind: 'import-dataset', request, done: 0, total: 0 }, inputs, tag, []);
    });
  };

  return {
    async importPaths(request) {
      return { jobId: startPathsImport(request) };
    },
    async importUpload(request) {
      context.rekey.refuseWhileRunning('import');
      const key = context.activeKey();
      const size = await context.importSize(request.conversion.size);
      const options = decodeOptions(request.conversion, size);
      const inputs = request.files.map((file) =>
        bytesImportInput(
          file.name,
          decodeBase64(file.dataBase64),
          file.label ?? request.label ?? null,
          options,
        ),
      );
      return importImages(context.workspace, inputs, {
        key,
        condition: STORAGE_CONDITION,
        cipher: context.cipher,
        conversionTag: conversionTag(request.conversion, size),
        fit: request.conversion.fit,
      });
    },
    async importDataset(request) {
      return { jobId: startDatasetImport(request) };
    },
    async importResume() {
      const pending = await openPendingImport(context.workspace, context.activeKey());
      if (!pending)
        throw new CipherLensError('NOT_FOUND', 'there is no interrupted import to resume in this workspace');
      const jobId =
        pending.kind === 'import-paths'
          ? startPathsImport(pending.request)
          : startDatasetImport(pending.request);
      return { jobId };
    },
  };
}
