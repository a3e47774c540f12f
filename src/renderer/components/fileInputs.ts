import { el } from './dom.js';

export const IMAGE_ACCEPT =
  'image/png,image/jpeg,image/tiff,.png,.jpg,.jpeg,.tif,.tiff,.dcm,.dicom,application/dicom';

/**
 * A button that opens the file chooser. The <input> stays hidden but in the document, so tests can
 * set files on it and screen readers skip it in favour of the visible button.
 */
export function fileButton(
  label: string,
  onFiles: (files: File[]) => void,
  options: {
    accept?: string;
    multiple?: boolean;
    directory?: boolean;
    testId?: string;
    primary?: boolean;
  } = {},
): HTMLElement {
  const input = el('input', {
    class: 'visually-hidden',
    attrs: {
      type: 'file',
      accept: options.accept,
      multiple: options.multiple,
      tabindex: -1,
      'aria-hidden': 'true',
      'data-testid': options.testId,
    },
  });
  // Folder picking is non-standard but supported by Chromium and Electron.
  if (options.directory) input.setAttribute('webkitdirectory', '');
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (files.length > 0) onFiles(files);
  });
  const trigger = el('button', {
    class: options.primary ? 'btn btn-primary' : 'btn',
    text: label,
    attrs: { type: 'button' },
    on: { click: () => input.click() },
  });
  return el('span', { class: 'file-button' }, trigger, input);
}

/** A file dropped or picked, with the folder path it had below the drop (for labels from folder names). */
export interface CollectedFile {
  file: File;
  relativePath: string;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, into: CollectedFile[]): Promise<void> {
  if (entry.isFile) {
    into.push({
      file: await entryFile(entry as FileSystemFileEntry),
      relativePath: entry.fullPath.replace(/^\//, ''),
    });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call; keep reading until it returns none.
  for (;;) {
    const batch = await readEntries(reader);
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, into);
  }
}

/** Every file of a drop, descending into dropped folders. */
export async function filesFromDrop(transfer: DataTransfer): Promise<CollectedFile[]> {
  const entries = Array.from(transfer.items)
    .map((item) => item.webkitGetAsEntry())
    .filter((entry): entry is FileSystemEntry => entry !== null);
  if (entries.length === 0) {
    return Array.from(transfer.files).map((file) => ({ file, relativePath: file.name }));
  }
  const collected: CollectedFile[] = [];
  for (const entry of entries) await walk(entry, collected);
  return collected;
}

export function filesFromPicker(files: readonly File[]): CollectedFile[] {
  return files.map((file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}

/** Makes an element a drop target; `dragging` class shows while files hover over it. */
export function makeDropTarget(target: HTMLElement, onDrop: (transfer: DataTransfer) => void): void {
  let depth = 0;
  target.addEventListener('dragenter', (event) => {
    event.preventDefault();
    depth += 1;
    target.classList.add('dragging');
  });
  target.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  target.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) target.classList.remove('dragging');
  });
  target.addEventListener('drop', (event) => {
    event.preventDefault();
    depth = 0;
    target.classList.remove('dragging');
    if (event.dataTransfer) onDrop(event.dataTransfer);
  });
}
