import type { OperationRequest, PacsSeries, PacsStudy } from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { isCancellation, reportJobEnd, startJob } from '../../app/jobs.js';
import { dataTable } from '../../components/dataTable.js';
import { button, el, field, replaceChildren, select } from '../../components/dom.js';
import { openDialog } from '../../components/dialog.js';
import { describeError } from '../../components/messages.js';
import { panel } from '../../components/panel.js';
import { inlineError } from '../../components/viewHeader.js';
import { importSummary } from './importSummary.js';

/** Studies asked for per page; "Show more" asks for the next page of the same search. */
const PAGE_SIZE = 200;
const MODALITIES = ['', 'CT', 'MR', 'CR', 'DX', 'US', 'MG', 'XA', 'NM', 'PT', 'RF', 'OT'] as const;

type ImportRequest = OperationRequest<'pacsImport'>;

/** "2024-01-15" (an <input type=date>) → "20240115" (DICOM DA); empty stays empty. */
const dicomDate = (value: string): string | undefined => (value ? value.replaceAll('-', '') : undefined);
const shownDate = (value: string | null): string =>
  value && /^\d{8}$/.test(value)
    ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`
    : (value ?? '—');

/**
 * Library → Import from PACS: search the PACS's studies (QIDO-RS), open one, tick series, import them as a job
 * (WADO-RS, each image encrypted as it is stored). Run again after a cancel to resume: what is stored is skipped.
 */
export function createPacsImport(context: AppContext): HTMLElement {
  const note = el('p', { class: 'muted', attrs: { 'data-testid': 'pacs-connection-note' } });
  const open = button('Import from PACS…', () => openPacsDialog(context), {
    class: 'btn btn-primary',
    testId: 'pacs-open',
  });
  const describe = (): void => {
    void context.api
      .pacsConnection()
      .then((connection) => {
        note.textContent = connection.configured
          ? `Searches ${connection.baseUrl}.`
          : 'No PACS is set up yet: add its DICOMweb address in Settings → PACS connection.';
      })
      .catch((error: unknown) => {
        note.textContent = `The PACS connection cannot be read: ${describeError(error)}`;
      });
  };
  context.store.on('settings', describe);
  describe();
  return panel('Import from a PACS', [el('div', { class: 'toolbar' }, open), note], {
    testId: 'pacs-import-panel',
    subtitle: 'Studies from a hospital PACS over DICOMweb, encrypted as they are stored.',
  });
}

function openPacsDialog(context: AppContext): void {
  const patient = el('input', {
    attrs: {
      type: 'search',
      placeholder: 'DOE* or DOE^J*',
      'data-testid': 'pacs-patient',
      autocomplete: 'off',
    },
  });
  const patientId = el('input', {
    attrs: { type: 'search', 'data-testid': 'pacs-patient-id', autocomplete: 'off' },
  });
  const from = el('input', {
    attrs: { type: 'date', 'data-testid': 'pacs-from', 'aria-label': 'Study date from' },
  });
  const to = el('input', {
    attrs: { type: 'date', 'data-testid': 'pacs-to', 'aria-label': 'Study date to' },
  });
  let modality = '';
  const modalitySelect = select(
    MODALITIES.map((value) => ({ value, label: value || 'Any' })),
    modality,
    (value) => {
      modality = value;
    },
    'pacs-modality',
  );
  const problem = el('div', { attrs: { 'data-testid': 'pacs-error' } });
  const studiesArea = el('div', { attrs: { 'data-testid': 'pacs-results' } });
  const seriesArea = el('div', { class: 'stack', attrs: { 'data-testid': 'pacs-series-area' } });
  const searchButton = el('button', {
    class: 'btn btn-primary',
    text: 'Search',
    attrs: { type: 'submit', 'data-testid': 'pacs-search' },
  });

  const showProblem = (error: unknown, what: string): void =>
    replaceChildren(problem, inlineError(`${what}: ${describeError(error)}`));

  // One search's filters, kept so "Show more" asks the PACS for the next page of the same search.
  let lastRequest: OperationRequest<'pacsSearchStudies'> | null = null;
  let shown: PacsStudy[] = [];

  const search = async (): Promise<void> => {
    replaceChildren(problem);
    replaceChildren(seriesArea);
    searchButton.disabled = true;
    replaceChildren(studiesArea, el('p', { class: 'muted', text: 'Searching the PACS…' }));
    try {
      const request: OperationRequest<'pacsSearchStudies'> = { limit: PAGE_SIZE };
      if (patient.value.trim()) request.patientName = patient.value.trim();
      if (patientId.value.trim()) request.patientId = patientId.value.trim();
      const dateFrom = dicomDate(from.value);
      const dateTo = dicomDate(to.value);
      if (dateFrom) request.dateFrom = dateFrom;
      if (dateTo) request.dateTo = dateTo;
      if (modality) request.modality = modality;
      const result = await context.api.pacsSearchStudies(request);
      lastRequest = request;
      shown = result.studies;
      renderStudies(shown, result.mayHaveMore);
    } catch (error) {
      replaceChildren(studiesArea);
      showProblem(error, 'The search failed');
    } finally {
      searchButton.disabled = false;
    }
  };

  /** The next page of the same search, appended (a study the PACS lists twice across pages is kept once). */
  const showMore = async (more: HTMLButtonElement): Promise<void> => {
    if (!lastRequest) return;
    more.disabled = true;
    more.textContent = 'Asking the PACS…';
    try {
      const result = await context.api.pacsSearchStudies({ ...lastRequest, offset: shown.length });
      const known = new Set(shown.map((study) => study.studyInstanceUid));
      shown = [...shown, ...result.studies.filter((study) => !known.has(study.studyInstanceUid))];
      renderStudies(shown, result.mayHaveMore && result.studies.length > 0);
    } catch (error) {
      more.disabled = false;
      more.textContent = `Show ${PAGE_SIZE} more`;
      showProblem(error, 'Could not fetch more studies');
    }
  };

  const renderStudies = (studies: PacsStudy[], mayHaveMore: boolean): void => {
    if (studies.length === 0) {
      replaceChildren(
        studiesArea,
        el('p', {
          class: 'muted',
          attrs: { 'data-testid': 'pacs-no-studies' },
          text: 'No study matches. Names match exactly unless you use * (any characters) or ? (one character).',
        }),
      );
      return;
    }
    replaceChildren(
      studiesArea,
      dataTable<PacsStudy>({
        title: `Studies (${studies.length}${mayHaveMore ? '+' : ''})`,
        columns: [
          { label: 'Date', value: (s) => s.studyDate, format: (s) => shownDate(s.studyDate) },
          { label: 'Patient', value: (s) => s.patientName },
          { label: 'Patient ID', value: (s) => s.patientId },
          { label: 'Modality', value: (s) => s.modalities.join(', ') },
          { label: 'Description', value: (s) => s.description },
          { label: 'Series', value: (s) => s.seriesCount, numeric: true },
          { label: 'Images', value: (s) => s.instanceCount, numeric: true },
        ],
        rows: studies,
        onOpen: (study) => void openStudy(study),
        testId: 'pacs-studies',
      }),
      mayHaveMore
        ? el(
            'p',
            { class: 'toolbar', attrs: { 'data-testid': 'pacs-more' } },
            el('span', {
              class: 'muted',
              text: `The PACS has more studies for this search than the ${studies.length} shown.`,
            }),
            button(
              `Show ${PAGE_SIZE} more`,
              (event) => void showMore(event.currentTarget as HTMLButtonElement),
              {
                class: 'btn btn-small',
                testId: 'pacs-show-more',
              },
            ),
          )
        : null,
    );
  };

  const openStudy = async (study: PacsStudy): Promise<void> => {
    replaceChildren(problem);
    replaceChildren(seriesArea, el('p', { class: 'muted', text: 'Listing the series…' }));
    try {
      const { series } = await context.api.pacsListSeries({ studyInstanceUid: study.studyInstanceUid });
      renderSeries(study, series);
    } catch (error) {
      replaceChildren(seriesArea);
      showProblem(error, 'Could not list the series');
    }
  };

  const renderSeries = (study: PacsStudy, series: PacsSeries[]): void => {
    const boxes = series.map((entry) =>
      el('input', {
        attrs: {
          type: 'checkbox',
          checked: true,
          'data-testid': 'pacs-series-check',
          'aria-label': `Series ${entry.seriesNumber ?? '?'}`,
        },
      }),
    );
    const label = el('input', {
      attrs: { type: 'text', placeholder: 'none', 'data-testid': 'pacs-label', maxlength: 128 },
    });
    const status = el('div', { class: 'import-status', attrs: { 'data-testid': 'pacs-import-status' } });
    const importButton = button('Import selected series', () => void runImport(), {
      class: 'btn btn-primary',
      testId: 'pacs-import',
    });
    const chosen = (): string[] =>
      series.filter((_, index) => boxes[index]!.checked).map((entry) => entry.seriesInstanceUid);
    const update = (): void => {
      const count = chosen().length;
      const images = series
        .filter((_, index) => boxes[index]!.checked)
        .reduce((sum, entry) => sum + (entry.instanceCount ?? 0), 0);
      importButton.disabled = count === 0;
      importButton.textContent =
        count === 0
          ? 'Choose a series'
          : `Import ${count} series (${images} image${images === 1 ? '' : 's'})`;
    };
    for (const box of boxes) box.addEventListener('change', update);

    const runImport = async (): Promise<void> => {
      const request: ImportRequest = {
        studyInstanceUid: study.studyInstanceUid,
        seriesInstanceUids: chosen(),
      };
      if (label.value.trim()) request.label = label.value.trim();
      importButton.disabled = true;
      try {
        const job = await startJob(context.api, 'pacs-import', 'Importing from the PACS', () =>
          context.api.pacsImport(request),
        );
        replaceChildren(status, job.element);
        const result = await job.result;
        replaceChildren(status, importSummary('PACS import', result));
      } catch (error) {
        reportJobEnd(error, 'PACS import', 'The images stored so far are kept; import again to continue.');
        replaceChildren(
          status,
          isCancellation(error)
            ? el(
                'div',
                { class: 'inline-note', attrs: { 'data-testid': 'pacs-cancelled' } },
                'Import cancelled. The images stored so far are kept. ',
                button('Resume import', () => void runImport(), {
                  class: 'btn btn-small',
                  testId: 'pacs-resume',
                }),
              )
            : inlineError(`The import stopped: ${describeError(error)}`),
        );
      } finally {
        update();
        void context.store.refresh('workspace');
      }
    };

    const rows = series.map((entry, index) =>
      el(
        'tr',
        { attrs: { 'data-testid': 'pacs-series-row' } },
        el('td', {}, boxes[index]!),
        el('td', { class: 'num', text: entry.seriesNumber === null ? '—' : String(entry.seriesNumber) }),
        el('td', { text: entry.modality ?? '—' }),
        el('td', { text: entry.description ?? '—' }),
        el('td', { text: entry.bodyPart ?? '—' }),
        el('td', { class: 'num', text: entry.instanceCount === null ? '—' : String(entry.instanceCount) }),
      ),
    );
    replaceChildren(
      seriesArea,
      el('h3', {
        text: `Series of ${shownDate(study.studyDate)} ${study.description ?? ''} — ${study.patientName ?? 'unnamed patient'}`,
      }),
      series.length === 0
        ? el('p', { class: 'muted', text: 'This study has no series on the PACS.' })
        : el(
            'div',
            { class: 'table-scroll' },
            el(
              'table',
              { class: 'data-table', attrs: { 'data-testid': 'pacs-series' } },
              el(
                'thead',
                {},
                el(
                  'tr',
                  {},
                  ...['Import', 'Number', 'Modality', 'Description', 'Body part', 'Images'].map((text) =>
                    el('th', {
                      text,
                      class: text === 'Number' || text === 'Images' ? 'num' : undefined,
                      attrs: { scope: 'col' },
                    }),
                  ),
                ),
              ),
              el('tbody', {}, ...rows),
            ),
          ),
      el('div', { class: 'toolbar' }, field('Label for every image (optional)', label), importButton),
      el('p', {
        class: 'muted',
        text: 'Each image is encrypted with the active key as it is stored; names and patient data stay out of the workspace records. Images imported before are skipped.',
      }),
      status,
    );
    update();
  };

  const form = el(
    'form',
    { class: 'toolbar', attrs: { 'data-testid': 'pacs-search-form' } },
    field('Patient name', patient),
    field('Patient ID', patientId),
    field('Study date from', from),
    field('to', to),
    field('Modality', modalitySelect),
    searchButton,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void search();
  });
  openDialog('Import from PACS', form, problem, studiesArea, seriesArea);
  patient.focus();
}
