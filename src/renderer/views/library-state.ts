import type { LibraryItem, OperationRequest } from '../../shared/index.js';

/** What the Library view decides, apart from drawing it (tested in test/renderer/library.test.ts). */

export const PAGE_SIZE = 48;
/** The class filter's value for "no label" (a label can never hold U+0000). */
export const UNLABELLED = '\u0000unlabelled';

export interface LibraryFilter {
  label: string;
  search: string;
  showPlain: boolean;
  offset: number;
}

export const defaultLibraryFilter = (): LibraryFilter => ({
  label: '',
  search: '',
  showPlain: true,
  offset: 0,
});

/** The libraryList request for a filter: one page, by class (or unlabelled) and search text. */
export function listRequest(filter: LibraryFilter): OperationRequest<'libraryList'> {
  return {
    offset: filter.offset,
    limit: PAGE_SIZE,
    ...(filter.label === UNLABELLED ? { unlabelled: true } : filter.label ? { label: filter.label } : {}),
    ...(filter.search ? { search: filter.search } : {}),
  };
}

/** What an empty page says: the filter matched nothing, or there is nothing yet. */
export function emptyLibraryMessage(filter: LibraryFilter): { title: string; text: string } {
  return filter.label !== '' || filter.search !== ''
    ? { title: 'No images match this filter', text: 'Choose another class or clear the search.' }
    : {
        title: 'No images yet — import a folder or a MedNIST sample',
        text: 'Drop image files or folders (PNG, JPEG, TIFF, DICOM) above, or import a labelled sample of MedNIST or MNIST. Everything is encrypted with the active key as it is stored.',
      };
}

export function gridTitle(filter: LibraryFilter): string {
  return `Workspace images${filter.label && filter.label !== UNLABELLED ? ` — ${filter.label}` : ''}`;
}

/** Says what the two pictures of a tile are, and whether the active model sees the decrypted one. */
export function gridSubtitle(
  filter: LibraryFilter,
  items: readonly LibraryItem[],
  modelReadsPlain: boolean,
): string {
  const pairs = filter.showPlain && items.some((item) => item.thumbnails.plain);
  return `${
    pairs
      ? 'Left: decrypted with the active key. Right: what is stored, encrypted.'
      : 'The stored, encrypted images.'
  } ${
    modelReadsPlain
      ? 'The active model is PLAIN: it sees the decrypted images.'
      : 'The active model sees cipher images, never the decrypted ones.'
  }`;
}
