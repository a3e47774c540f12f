// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { LibraryItem } from '../../src/shared/index.js';
import { createLibraryView } from '../../src/renderer/views/library.js';
import {
  defaultLibraryFilter,
  emptyLibraryMessage,
  gridSubtitle,
  gridTitle,
  listRequest,
  PAGE_SIZE,
  UNLABELLED,
} from '../../src/renderer/views/library-state.js';
import { fakeContext, settle } from './harness.js';

const withPlain = { thumbnails: { encrypted: 'e', plain: 'p' } } as LibraryItem;
const encryptedOnly = { thumbnails: { encrypted: 'e', plain: null } } as LibraryItem;

describe('library view state', () => {
  it('asks for one page by class, unlabelled or search text', () => {
    const filter = defaultLibraryFilter();
    expect(listRequest(filter)).toEqual({ offset: 0, limit: PAGE_SIZE });
    expect(listRequest({ ...filter, label: 'Hand', search: 'scan', offset: 48 })).toEqual({
      offset: 48,
      limit: PAGE_SIZE,
      label: 'Hand',
      search: 'scan',
    });
    expect(listRequest({ ...filter, label: UNLABELLED })).toEqual({
      offset: 0,
      limit: PAGE_SIZE,
      unlabelled: true,
    });
  });

  it('tells an empty filter from an empty workspace', () => {
    expect(emptyLibraryMessage(defaultLibraryFilter()).title).toMatch(/^No images yet/);
    expect(emptyLibraryMessage({ ...defaultLibraryFilter(), search: 'x' }).title).toBe(
      'No images match this filter',
    );
  });

  it('names the class in the title (not the unlabelled marker) and explains the picture pairs', () => {
    expect(gridTitle({ ...defaultLibraryFilter(), label: 'Hand' })).toBe('Workspace images — Hand');
    expect(gridTitle({ ...defaultLibraryFilter(), label: UNLABELLED })).toBe('Workspace images');
    const filter = defaultLibraryFilter();
    expect(gridSubtitle(filter, [withPlain], false)).toMatch(
      /^Left: decrypted .* never the decrypted ones\.$/,
    );
    expect(gridSubtitle(filter, [encryptedOnly], false)).toMatch(/^The stored, encrypted images\./);
    expect(gridSubtitle({ ...filter, showPlain: false }, [withPlain], true)).toBe(
      'The stored, encrypted images. The active model is PLAIN: it sees the decrypted images.',
    );
  });
});

describe('library view (happy-dom)', () => {
  it('lists the workspace page it is given, and invites an import when it is empty', async () => {
    const context = fakeContext({ libraryList: () => ({ total: 0, offset: 0, items: [], classes: [] }) });
    const view = createLibraryView(context);
    view.show?.({});
    await settle();
    expect(context.calls('libraryList')).toEqual([{ offset: 0, limit: PAGE_SIZE }]);
    expect(view.element.querySelector('[data-testid="library-browse"]')?.textContent).toContain(
      'No images yet',
    );
  });
});
