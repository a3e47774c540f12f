import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { z } from 'zod';
import type { HostPickPathsRequestSchema } from '../shared/system.js';

type PickRequest = z.output<typeof HostPickPathsRequestSchema>;

const IMAGE_FILTERS = [
  { name: 'Images and DICOM', extensions: ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'webp', 'dcm', 'dicom'] },
  { name: 'All files', extensions: ['*'] },
];

const OPEN_DIALOGS: Record<Exclude<PickRequest['purpose'], 'key-export'>, OpenDialogOptions> = {
  'import-files': {
    title: 'Import images',
    properties: ['openFile', 'multiSelections'],
    filters: IMAGE_FILTERS,
  },
  'import-folder': { title: 'Import folders', properties: ['openDirectory', 'multiSelections'] },
  'key-file': {
    title: 'Import a key file',
    properties: ['openFile'],
    filters: [{ name: 'Keys', extensions: ['key', 'json'] }],
  },
  container: {
    title: 'Open an encrypted image',
    properties: ['openFile'],
    filters: [{ name: 'Encrypted images', extensions: ['clens'] }],
  },
  workspace: { title: 'Choose a workspace folder', properties: ['openDirectory', 'createDirectory'] },
  'model-files': {
    title: 'Import a model: its .onnx file and its .json card',
    properties: ['openFile', 'multiSelections'],
    filters: [
      { name: 'ONNX models and model cards', extensions: ['onnx', 'json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
};

/** Native open/save dialogs for hostPickPaths; an empty list when the person cancels. */
export async function pickPaths(window: BrowserWindow | null, request: PickRequest): Promise<string[]> {
  if (request.purpose === 'key-export') {
    const options = {
      title: request.title ?? 'Export key (passphrase-protected)',
      defaultPath: 'cipherlens.key',
      filters: [{ name: 'Keys', extensions: ['key'] }],
    };
    const result = window
      ? await dialog.showSaveDialog(window, options)
      : await dialog.showSaveDialog(options);
    return result.canceled || !result.filePath ? [] : [result.filePath];
  }
  const options = { ...OPEN_DIALOGS[request.purpose], ...(request.title && { title: request.title }) };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}
