import type { LibraryItem } from '../../shared/index.js';
import type { CipherLensClient } from '../api/index.js';
import { openDialog } from './dialog.js';
import { classFilterField } from './classFilter.js';
import { el, replaceChildren } from './dom.js';
import { emptyState, loading } from './emptyState.js';
import { imageGrid } from './imageGrid.js';
import { libraryGridItem } from './libraryImages.js';
import { describeError } from './messages.js';
import { pager } from './pager.js';

const PAGE_SIZE = 36;

/** A dialog listing the workspace; resolves with the item the person opens, or null when closed. */
export function pickLibraryItem(
  api: CipherLensClient,
  title = 'Pick an image from the library',
): Promise<LibraryItem | null> {
  return new Promise((resolve) => {
    let picked: LibraryItem | null = null;
    let label: string | undefined;
    const body = el('div', { class: 'picker-body' });
    const classSelect = el('div', { class: 'toolbar' });
    const dialog = openDialog(title, classSelect, body);
    dialog.addEventListener('close', () => resolve(picked));

    const load = async (offset: number): Promise<void> => {
      replaceChildren(body, loading());
      try {
        const page = await api.libraryList({
          offset,
          limit: PAGE_SIZE,
          activeKeyFirst: true,
          ...(label ? { label } : {}),
        });
        replaceChildren(
          classSelect,
          classFilterField(page.classes, label ?? '', (value) => {
            label = value || undefined;
            void load(0);
          }),
        );
        if (page.items.length === 0) {
          replaceChildren(body, emptyState('No images yet', 'Import images in the Library view first.'));
          return;
        }
        const byId = new Map(page.items.map((item) => [item.id, item]));
        replaceChildren(
          body,
          imageGrid({
            title: 'Library',
            items: page.items.map((item) => libraryGridItem(item, true)),
            onOpen: (tile) => {
              picked = byId.get(tile.id) ?? null;
              dialog.close();
            },
          }),
          pager(page.total, page.offset, PAGE_SIZE, (next) => void load(next)),
        );
        body.querySelector<HTMLElement>('.grid-tile')?.focus();
      } catch (error) {
        replaceChildren(
          body,
          el('div', { class: 'inline-error', attrs: { role: 'alert' }, text: describeError(error) }),
        );
      }
    };
    void load(0);
  });
}
