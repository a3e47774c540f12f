import { modelReadsPlain } from '../components/modelInput.js';
import type { LibraryItem } from '../../shared/index.js';
import type { AppContext, View } from '../app/context.js';
import { type ClassCount, classFilterField } from '../components/classFilter.js';
import { button, el, replaceChildren } from '../components/dom.js';
import { emptyState, loading } from '../components/emptyState.js';
import { imageGrid } from '../components/imageGrid.js';
import { openItemDialog } from '../components/itemDialog.js';
import { createFilterBar, type FilterField, filterActive, filterRequest } from '../components/filterBar.js';
import { libraryGridItem } from '../components/libraryImages.js';
import { describeError } from '../components/messages.js';
import { pager } from '../components/pager.js';
import { inlineError, viewHeader } from '../components/viewHeader.js';
import { createDatasetImport } from './library/datasetImport.js';
import { createDecryptFile } from './library/decryptFile.js';
import { createFileImport } from './library/fileImport.js';
import {
  defaultLibraryFilter,
  emptyLibraryMessage,
  gridSubtitle,
  gridTitle,
  listRequest,
  PAGE_SIZE,
  UNLABELLED,
} from './library-state.js';
import { createPacsImport } from './library/pacsImport.js';

const LIBRARY_FILTERS: readonly FilterField[] = ['prediction', 'mismatch', 'confidence', 'key', 'origin'];

export function createLibraryView(context: AppContext): View {
  const filter = defaultLibraryFilter();
  const toolbar = el('div', { class: 'toolbar' });
  const browse = el('div', { class: 'library-browse', attrs: { 'data-testid': 'library-browse' } });
  const resume = el('div');
  // Class and search stay in the toolbar above; these narrow further, on the back end (libraryList).
  const moreFilters = createFilterBar({
    fields: LIBRARY_FILTERS,
    testId: 'library-filters',
    onChange: () => {
      filter.offset = 0;
      void load();
    },
  });

  const searchInput = el('input', {
    attrs: {
      type: 'search',
      placeholder: 'Name or source',
      'aria-label': 'Search by name or source',
      'data-testid': 'search',
    },
  });
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      filter.search = searchInput.value.trim();
      filter.offset = 0;
      void load();
    }, 250);
  });
  const plainToggle = el('input', {
    attrs: { type: 'checkbox', checked: true, 'data-testid': 'show-plain' },
  });
  plainToggle.addEventListener('change', () => {
    filter.showPlain = plainToggle.checked;
    void load();
  });

  const renderToolbar = (classes: readonly ClassCount[]): void => {
    replaceChildren(
      toolbar,
      classFilterField(
        classes,
        filter.label,
        (value) => {
          filter.label = value;
          filter.offset = 0;
          void load();
        },
        { extra: [{ value: UNLABELLED, label: 'Unlabelled' }], testId: 'class-filter' },
      ),
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'Search' }), searchInput),
      el(
        'label',
        {
          class: 'checkbox',
          attrs: { title: 'Only images encrypted with the active key can be shown decrypted' },
        },
        plainToggle,
        'Show decrypted next to encrypted',
      ),
    );
  };

  const openItem = (item: LibraryItem): void => openItemDialog(context, item, () => void load());

  const renderItems = (page: Awaited<ReturnType<typeof context.api.libraryList>>): void => {
    renderToolbar(page.classes);
    moreFilters.setFacets({
      classes: page.classes,
      predictions: page.predictions ?? [],
      origins: page.origins ?? [],
      keys: page.keys ?? null,
    });
    moreFilters.setCount(page.total, page.keys ? page.keys.active + page.keys.other : page.total);
    if (page.total === 0 && filterActive(moreFilters.state, LIBRARY_FILTERS)) {
      replaceChildren(
        browse,
        emptyState('No images match these filters', 'Loosen or clear the filters above.'),
      );
      return;
    }
    if (page.total === 0) {
      const empty = emptyLibraryMessage(filter);
      replaceChildren(browse, emptyState(empty.title, empty.text));
      return;
    }
    const byId = new Map(page.items.map((item) => [item.id, item]));
    const grid = imageGrid({
      title: gridTitle(filter),
      subtitle: gridSubtitle(filter, page.items, modelReadsPlain(context.store.activeModel)),
      items: page.items.map((item) => libraryGridItem(item, filter.showPlain)),
      onOpen: (tile) => {
        const item = byId.get(tile.id);
        if (item) openItem(item);
      },
      testId: 'library-grid',
    });
    replaceChildren(
      browse,
      grid,
      pager(page.total, page.offset, PAGE_SIZE, (offset) => {
        filter.offset = offset;
        void load();
      }),
    );
  };

  let loadSequence = 0;
  const load = async (): Promise<void> => {
    const sequence = ++loadSequence;
    if (!browse.firstChild) replaceChildren(browse, loading('Loading the library…'));
    try {
      const page = await context.api.libraryList({
        ...listRequest(filter),
        ...filterRequest(moreFilters.state),
      });
      // A slower earlier request must not overwrite a newer filter's result.
      if (sequence === loadSequence) renderItems(page);
    } catch (error) {
      if (sequence === loadSequence)
        replaceChildren(browse, inlineError(`Could not load the library: ${describeError(error)}`));
    }
  };

  const renderResume = (): void => {
    const pending = context.store.workspace?.pendingImport;
    replaceChildren(
      resume,
      pending
        ? el(
            'div',
            { class: 'inline-note', attrs: { 'data-testid': 'pending-import' } },
            `An import stopped part-way (${pending.done} of ${pending.total} stored). Nothing already imported was lost. `,
            button('Resume import', () => datasetImport.resume(), { class: 'btn btn-small' }),
          )
        : null,
    );
  };

  const fileImport = createFileImport(context);
  const datasetImport = createDatasetImport(context);
  context.store.on('workspace', () => {
    renderResume();
    void load();
  });

  const element = el(
    'section',
    { attrs: { 'aria-label': 'Library' } },
    viewHeader(
      'Library',
      'The workspace: every image is stored encrypted with the key it was imported under. The key holder sees each plain image next to its cipher image.',
    ),
    resume,
    el(
      'div',
      { class: 'columns' },
      fileImport,
      el(
        'div',
        { class: 'stack' },
        datasetImport.element,
        createPacsImport(context),
        createDecryptFile(context),
      ),
    ),
    el(
      'section',
      { class: 'library-section', attrs: { 'aria-label': 'Browse' } },
      el('div', { class: 'panel filter-bar' }, toolbar, moreFilters.element),
      browse,
    ),
  );
  return {
    element,
    show: () => {
      renderResume();
      void load();
    },
  };
}
