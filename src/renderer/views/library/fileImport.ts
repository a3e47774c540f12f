import type { ImportResult } from '../../../shared/index.js';
import { fileToBase64 } from '../../api/index.js';
import type { AppContext } from '../../app/context.js';
import { isCancellation, reportJobEnd, startJob } from '../../app/jobs.js';
import { button, el, field, replaceChildren, select } from '../../components/dom.js';
import {
  type CollectedFile,
  fileButton,
  filesFromDrop,
  filesFromPicker,
  IMAGE_ACCEPT,
  makeDropTarget,
} from '../../components/fileInputs.js';
import { reportError } from '../../components/messages.js';
import { panel } from '../../components/panel.js';
import { progressBar } from '../../components/progressBar.js';
import {
  conversionOf,
  defaultImportOptions,
  frameIndex,
  pathsOfAll,
  uploadInBatches,
  type Fit,
  type ImportOptions,
} from './fileImport-state.js';
import { importSummary } from './importSummary.js';

function optionsPanel(options: ImportOptions): HTMLElement {
  const frame = el('input', {
    attrs: { type: 'number', min: 0, value: options.dicomFrame, 'aria-label': 'DICOM frame' },
  });
  frame.addEventListener('change', () => {
    options.dicomFrame = frameIndex(frame.value);
  });
  const fromFolder = el('input', { attrs: { type: 'checkbox', checked: options.labelFromFolder } });
  fromFolder.addEventListener('change', () => {
    options.labelFromFolder = fromFolder.checked;
  });
  const label = el('input', {
    attrs: { type: 'text', placeholder: 'e.g. HeadCT', maxlength: 128, 'data-testid': 'import-label' },
  });
  label.addEventListener('input', () => {
    options.label = label.value.trim();
  });
  return el(
    'details',
    { class: 'import-options' },
    el('summary', { text: 'Conversion and labels' }),
    el(
      'div',
      { class: 'toolbar' },
      field(
        'Non-square images',
        select<Fit>(
          [
            { value: 'resize', label: 'Resize to the model size' },
            { value: 'pad', label: 'Pad to square, then resize' },
            { value: 'error', label: 'Refuse' },
          ],
          options.fit,
          (value) => {
            options.fit = value;
          },
        ),
      ),
      field(
        'DICOM window',
        select<'file' | 'auto'>(
          [
            { value: 'file', label: "The file's window centre/width" },
            { value: 'auto', label: 'Automatic (percentiles)' },
          ],
          options.dicomWindow,
          (value) => {
            options.dicomWindow = value;
          },
        ),
        '16-bit values are windowed to 8 bits; MONOCHROME1 is inverted.',
      ),
      field('DICOM frame', frame, 'For multi-frame files; 0 is the first.'),
    ),
    el(
      'div',
      { class: 'toolbar' },
      el('label', { class: 'checkbox' }, fromFolder, 'Label each image with its folder name'),
      field('Label for all (optional)', label),
    ),
  );
}

/** Drag and drop, file and folder pickers; uploads in the browser, paths in Electron. */
export function createFileImport(context: AppContext): HTMLElement {
  const options = defaultImportOptions();
  const status = el('div', { class: 'import-status', attrs: { 'data-testid': 'file-import-status' } });
  let busy = false;

  const conversion = () => conversionOf(options);

  const finish = (result: ImportResult): void => {
    replaceChildren(status, importSummary('File import', result));
    void context.store.refresh('workspace');
  };

  const uploadFiles = async (files: CollectedFile[]): Promise<void> => {
    let cancelled = false;
    const progress = progressBar('Uploading images', () => {
      cancelled = true;
    });
    replaceChildren(status, progress.element);
    const total = await uploadInBatches(files, options, {
      encode: fileToBase64,
      upload: (payload) =>
        context.api.importUpload({ files: payload, conversion: conversion(), labelFromFolder: false }),
      progress: (sent, count, next) => progress.update(sent, count, `Encrypting and storing ${next}…`),
      cancelled: () => cancelled,
    });
    progress.settle(cancelled ? 'cancelled' : 'done');
    finish(total);
  };

  const importByPath = async (paths: string[]): Promise<void> => {
    const job = await startJob(context.api, 'import-paths', 'Importing files', () =>
      context.api.importPaths({
        paths,
        conversion: conversion(),
        labelFromFolder: options.labelFromFolder,
        ...(options.label ? { label: options.label } : {}),
      }),
    );
    replaceChildren(status, job.element);
    finish(await job.result);
  };

  const run = async (work: () => Promise<void>): Promise<void> => {
    if (busy) {
      reportError('Wait for the current import to finish, or cancel it.', 'An import is already running');
      return;
    }
    busy = true;
    try {
      await work();
    } catch (error) {
      if (isCancellation(error)) void context.store.refresh('workspace');
      replaceChildren(status);
      reportJobEnd(error, 'Import', 'The images stored so far are kept.');
    } finally {
      busy = false;
    }
  };

  const canUsePaths = context.info.capabilities.pathImport;
  const importFiles = async (files: CollectedFile[]): Promise<void> => {
    if (files.length === 0) {
      reportError('The drop held no files.', 'Nothing to import');
      return;
    }
    if (canUsePaths) {
      const paths = pathsOfAll(await Promise.all(files.map(({ file }) => context.api.sourceForFile(file))));
      if (paths) return importByPath(paths);
    }
    return uploadFiles(files);
  };

  const folderButton = context.info.capabilities.nativeDialogs
    ? button(
        'Choose folder…',
        () =>
          void run(async () => {
            const { paths } = await context.api.hostPickPaths({
              purpose: 'import-folder',
              title: 'Import a folder of images',
            });
            if (paths.length > 0) await importByPath(paths);
          }),
      )
    : fileButton('Choose folder…', (files) => void run(() => importFiles(filesFromPicker(files))), {
        directory: true,
        multiple: true,
        testId: 'import-folder-input',
      });

  const dropZone = el(
    'div',
    { class: 'drop-zone', attrs: { 'data-testid': 'import-drop-zone' } },
    el('p', {
      text: 'Drop images or folders here — PNG, JPEG, TIFF or DICOM. Each image becomes a square grey image of the model size and is encrypted before it is stored.',
    }),
    el(
      'div',
      { class: 'toolbar' },
      fileButton('Choose files…', (files) => void run(() => importFiles(filesFromPicker(files))), {
        accept: IMAGE_ACCEPT,
        multiple: true,
        primary: true,
        testId: 'import-files-input',
      }),
      folderButton,
    ),
  );
  makeDropTarget(dropZone, (transfer) => {
    // Both must be read while the drop event is live: the dropped items are gone after it.
    const dropped = Array.from(transfer.files);
    const collecting = filesFromDrop(transfer);
    void run(async () => {
      // Electron: dropped folders have paths, and the back end walks them itself.
      if (canUsePaths && dropped.length > 0) {
        const paths = pathsOfAll(await Promise.all(dropped.map((file) => context.api.sourceForFile(file))));
        if (paths) return importByPath(paths);
      }
      return importFiles(await collecting);
    });
  });

  return panel('Import images', [dropZone, optionsPanel(options), status], { testId: 'file-import' });
}
