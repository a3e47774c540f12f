import type { ImageSource, LibraryItem } from '../../shared/index.js';
import type { CipherLensClient } from '../api/index.js';
import { el, replaceChildren } from './dom.js';
import { fileButton, IMAGE_ACCEPT, makeDropTarget } from './fileInputs.js';
import { pickLibraryItem } from './libraryPicker.js';
import { reportError } from './messages.js';

/** The image a view works on, wherever it came from. */
export interface PickedImage {
  source: ImageSource;
  name: string;
  label: string | null;
  /** Something the browser can display: the plain thumbnail, or the uploaded file itself. */
  preview: string | null;
  itemId: string | null;
}

const BROWSER_DISPLAYABLE = /\.(png|jpe?g)$/i;

export function pickedFromItem(item: LibraryItem): PickedImage {
  return {
    source: { kind: 'item', id: item.id },
    name: item.name,
    label: item.label,
    preview: item.thumbnails.plain ?? item.thumbnails.encrypted,
    itemId: item.id,
  };
}

/**
 * Upload, drop or pick-from-library, in one control. Shared by Classify, Retrieve and Security so an
 * image is chosen the same way everywhere.
 */
export function sourcePicker(
  api: CipherLensClient,
  onPick: (picked: PickedImage) => void,
  testId: string,
): { element: HTMLElement; set: (picked: PickedImage) => void; setItem: (itemId: string) => Promise<void> } {
  const current = el(
    'div',
    { class: 'picked', attrs: { 'aria-live': 'polite' } },
    el('span', { class: 'muted', text: 'No image chosen yet.' }),
  );
  let previewUrl: string | null = null;

  const set = (picked: PickedImage): void => {
    replaceChildren(
      current,
      picked.preview
        ? el('img', { class: 'picked-thumb', attrs: { src: picked.preview, alt: `${picked.name} preview` } })
        : null,
      el(
        'div',
        {},
        el('strong', { text: picked.name }),
        el('div', { class: 'muted', text: picked.label ? `label: ${picked.label}` : 'no label' }),
      ),
    );
    onPick(picked);
  };

  // Another view sent an item ("Classify", "Find similar" in the item dialog): load it by id.
  const setItem = async (itemId: string): Promise<void> => {
    try {
      const { items } = await api.libraryItems({ ids: [itemId] });
      const item = items[0];
      if (item) set(pickedFromItem(item));
      else reportError(`Image ${itemId} is no longer in the workspace.`, 'Could not load the image');
    } catch (error) {
      reportError(error, 'Could not load the image');
    }
  };

  const fromFile = async (file: File): Promise<void> => {
    try {
      const source = await api.sourceForFile(file);
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = BROWSER_DISPLAYABLE.test(file.name) ? URL.createObjectURL(file) : null;
      set({ source, name: file.name, label: null, preview: previewUrl, itemId: null });
    } catch (error) {
      reportError(error, `Could not read ${file.name}`);
    }
  };

  const element = el(
    'div',
    { class: 'drop-zone source-picker', attrs: { 'data-testid': testId } },
    current,
    el(
      'div',
      { class: 'toolbar' },
      fileButton('Upload image…', (files) => void (files[0] && fromFile(files[0])), {
        accept: IMAGE_ACCEPT,
        testId: `${testId}-file`,
      }),
      el('button', {
        class: 'btn',
        text: 'Pick from library…',
        attrs: { type: 'button', 'data-testid': `${testId}-library` },
        on: {
          click: () => {
            void pickLibraryItem(api).then((item) => {
              if (item) set(pickedFromItem(item));
            });
          },
        },
      }),
    ),
    el('p', { class: 'muted', text: 'or drop an image here (PNG, JPEG, TIFF, DICOM)' }),
  );
  makeDropTarget(element, (transfer) => {
    const file = transfer.files[0];
    if (file) void fromFile(file);
  });
  return { element, set, setItem };
}
