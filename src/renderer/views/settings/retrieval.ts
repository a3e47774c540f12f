import type { Settings } from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { button, el, field, replaceChildren, select } from '../../components/dom.js';
import { attempt, reportSuccess } from '../../components/messages.js';
import { panel } from '../../components/panel.js';

type StoreKind = Settings['retrieval']['store'];
type PgSearch = Settings['retrieval']['pgvectorSearch'];

/**
 * Settings → Retrieval index: which backend answers Retrieve (docs/retrieval.md) and, for a shared department
 * index, the PostgreSQL server. The connection URL carries no password: the server's password is read from
 * ~/.pgpass on this machine, so nothing secret is stored in settings or shown here.
 */
export function createRetrievalPanel(context: AppContext): HTMLElement {
  const body = el('div');
  const render = (): void => {
    const settings = context.store.settings;
    if (!settings) return;
    const current = settings.retrieval;
    let store: StoreKind = current.store;
    let search: PgSearch = current.pgvectorSearch;
    const url = el('input', {
      attrs: {
        type: 'text',
        placeholder: 'postgres://user@db.hospital.example:5432/cipherlens',
        value: current.pgvectorUrl ?? '',
        'data-testid': 'pgvector-url',
        autocomplete: 'off',
        spellcheck: 'false',
      },
    });
    // A plain wrapper: `hidden` on the flex toolbar itself would lose to its display rule.
    const serverFields = el(
      'div',
      {},
      el(
        'div',
        { class: 'toolbar' },
        field(
          'PostgreSQL server (pgvector)',
          url,
          'No password in the URL: put it in ~/.pgpass (mode 0600) on this machine.',
        ),
        field(
          'Search on the server',
          select<PgSearch>(
            [
              { value: 'hnsw', label: 'HNSW index (fast, approximate)' },
              { value: 'exact', label: 'Exact scan (every row)' },
            ],
            search,
            (value) => {
              search = value;
            },
            'pgvector-search',
          ),
        ),
      ),
    );
    const showServer = (): void => {
      serverFields.hidden = store !== 'pgvector';
    };
    const save = async (): Promise<void> => {
      const updated = await attempt('Could not save the retrieval settings', () =>
        context.api.settingsUpdate({
          retrieval: { store, pgvectorSearch: search, pgvectorUrl: url.value.trim() || null },
        }),
      );
      if (!updated) return;
      reportSuccess('Retrieval index', `backend ${updated.retrieval.store}`);
      await context.store.refresh('settings');
    };
    replaceChildren(
      body,
      el(
        'div',
        { class: 'toolbar' },
        field(
          'Backend',
          select<StoreKind>(
            [
              {
                value: 'auto',
                label: `Automatic (exact scan; HNSW from ${current.annFrom.toLocaleString('en-US')} images)`,
              },
              { value: 'exact', label: 'Exact scan on this machine (int8 scan, float32 re-rank)' },
              { value: 'ann', label: 'HNSW graph on this machine (approximate)' },
              { value: 'pgvector', label: 'Shared PostgreSQL + pgvector server' },
            ],
            store,
            (value) => {
              store = value;
              showServer();
            },
            'retrieval-store',
          ),
          'The index holds embeddings of encrypted images, their ids, labels and key fingerprints; never keys or pixels.',
        ),
        button('Save', () => void save(), { class: 'btn btn-primary', testId: 'retrieval-save' }),
      ),
      serverFields,
    );
    showServer();
  };
  context.store.on('settings', render);
  render();
  return panel('Retrieval index', [body], { testId: 'retrieval-panel' });
}
