// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { JobState, PacsConnection, PacsSeries, PacsStudy } from '../../src/shared/index.js';
import type { AppContext } from '../../src/renderer/app/context.js';
import { createPacsImport } from '../../src/renderer/views/library/pacsImport.js';
import { createPacsPanel } from '../../src/renderer/views/settings/pacs.js';
import { fakeContext, settle } from './harness.js';

const CONNECTION: PacsConnection = {
  configured: true,
  baseUrl: 'https://pacs.example.org/dicom-web',
  auth: 'basic',
  user: 'ann',
  credentialsSaved: true,
  storage: 'sealed in the test',
  warnings: [],
};

const STUDY: PacsStudy = {
  studyInstanceUid: '1.2.3',
  patientName: 'DOE, JANE',
  patientId: 'P-1',
  studyDate: '20240115',
  description: 'CT HEAD',
  accessionNumber: null,
  modalities: ['CT'],
  seriesCount: 2,
  instanceCount: 4,
};

const SERIES: PacsSeries[] = [
  {
    seriesInstanceUid: '1.2.3.1',
    modality: 'CT',
    seriesNumber: 1,
    description: 'AXIAL',
    bodyPart: 'HEAD',
    instanceCount: 3,
  },
  {
    seriesInstanceUid: '1.2.3.2',
    modality: 'CT',
    seriesNumber: 2,
    description: 'SCOUT',
    bodyPart: null,
    instanceCount: 1,
  },
];

const jobState = (status: JobState['status'], result: unknown = null): JobState => ({
  id: 'job1',
  kind: 'pacs-import',
  status,
  startedAt: '2024-01-01T00:00:00Z',
  finishedAt: status === 'running' ? null : '2024-01-01T00:00:01Z',
  progress: { done: 1, total: 3, message: 'CT series 1 image 2' },
  error: status === 'cancelled' ? { code: 'CANCELLED', message: 'cancelled' } : null,
  result,
});

/** The fake context with the job event stream the job helpers subscribe to (no events: they poll jobsGet). */
function withJobEvents(context: ReturnType<typeof fakeContext>): AppContext {
  const api = new Proxy(context.api, {
    get: (target, name, receiver) =>
      name === 'onJobEvent' ? () => () => undefined : Reflect.get(target, name, receiver),
  });
  return { ...context, api };
}

const byTestId = <T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T => {
  const found = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`no [data-testid="${id}"]`);
  return found;
};

afterEach(() => document.body.replaceChildren());

describe('Library → Import from PACS', () => {
  it('searches with the typed filters, lists a study’s series, imports the ticked ones, and resumes after a cancel', async () => {
    const jobAnswers = [
      jobState('cancelled'),
      jobState('done', { imported: ['a', 'b'], skipped: [], alreadyPresent: 1 }),
    ];
    const base = fakeContext({
      pacsConnection: () => CONNECTION,
      pacsSearchStudies: () => ({ studies: [STUDY], mayHaveMore: false }),
      pacsListSeries: () => ({ series: SERIES }),
      pacsImport: () => ({ jobId: 'job1' }),
      jobsGet: () => jobAnswers[0],
      workspaceInfo: () => ({}),
    });
    const context = withJobEvents(base);
    document.body.append(createPacsImport(context));
    await settle();
    expect(byTestId(document, 'pacs-connection-note').textContent).toContain(
      'https://pacs.example.org/dicom-web',
    );

    byTestId(document, 'pacs-open').click();
    const dialog = byTestId(document, 'dialog');
    byTestId<HTMLInputElement>(dialog, 'pacs-patient').value = ' DOE* ';
    byTestId<HTMLInputElement>(dialog, 'pacs-from').value = '2024-01-01';
    const modality = byTestId<HTMLSelectElement>(dialog, 'pacs-modality');
    modality.value = 'CT';
    modality.dispatchEvent(new Event('change'));
    byTestId<HTMLFormElement>(dialog, 'pacs-search-form').requestSubmit();
    await settle();
    expect(base.calls('pacsSearchStudies')).toEqual([
      { limit: 200, patientName: 'DOE*', dateFrom: '20240101', modality: 'CT' },
    ]);
    const row = byTestId(dialog, 'pacs-studies').querySelector('tbody tr') as HTMLElement;
    expect(row.textContent).toContain('2024-01-15');
    expect(row.textContent).toContain('DOE, JANE');

    row.click();
    await settle();
    expect(base.calls('pacsListSeries')).toEqual([{ studyInstanceUid: '1.2.3' }]);
    const checks = dialog.querySelectorAll<HTMLInputElement>('[data-testid="pacs-series-check"]');
    expect(checks).toHaveLength(2);
    expect(byTestId(dialog, 'pacs-import').textContent).toBe('Import 2 series (4 images)');
    checks[1]!.checked = false;
    checks[1]!.dispatchEvent(new Event('change'));
    expect(byTestId(dialog, 'pacs-import').textContent).toBe('Import 1 series (3 images)');

    byTestId(dialog, 'pacs-import').click();
    await settle();
    expect(base.calls('pacsImport')).toEqual([
      { studyInstanceUid: '1.2.3', seriesInstanceUids: ['1.2.3.1'] },
    ]);
    expect(byTestId(dialog, 'pacs-cancelled').textContent).toContain('cancelled');

    jobAnswers.shift();
    byTestId(dialog, 'pacs-resume').click();
    await settle();
    expect(base.calls('pacsImport')).toHaveLength(2);
    expect(base.calls('pacsImport')[1]).toEqual(base.calls('pacsImport')[0]);
    expect(byTestId(dialog, 'import-summary').textContent).toContain(
      'PACS import: 2 imported · 1 already in the workspace',
    );
  });

  it('shows what went wrong with a search in the dialog', async () => {
    const context = withJobEvents(
      fakeContext({
        pacsConnection: () => CONNECTION,
        pacsSearchStudies: () => {
          throw new Error('the PACS at pacs.example.org refused the saved credentials (401 Unauthorized)');
        },
      }),
    );
    document.body.append(createPacsImport(context));
    await settle();
    byTestId(document, 'pacs-open').click();
    const dialog = byTestId(document, 'dialog');
    byTestId<HTMLFormElement>(dialog, 'pacs-search-form').requestSubmit();
    await settle();
    expect(byTestId(dialog, 'pacs-error').textContent).toContain(
      'The search failed: the PACS at pacs.example.org refused',
    );
  });
});

describe('Settings → PACS connection', () => {
  it('never shows the saved secret, keeps it when the field stays empty, and sends a typed one once', async () => {
    const context = fakeContext({
      pacsConnection: () => CONNECTION,
      pacsConfigure: () => CONNECTION,
      settingsGet: () => ({}),
    });
    const panel = createPacsPanel(context);
    document.body.append(panel);
    await settle();
    const password = byTestId<HTMLInputElement>(panel, 'pacs-password');
    expect(password.type).toBe('password');
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('saved');
    expect(panel.querySelector('[data-testid="pacs-token"]')).toBeNull();
    expect(byTestId(panel, 'pacs-status').textContent).toContain('password of ann saved');

    byTestId<HTMLFormElement>(panel, 'pacs-form').requestSubmit();
    await settle();
    expect(context.calls('pacsConfigure')).toEqual([
      { baseUrl: 'https://pacs.example.org/dicom-web', auth: { kind: 'basic', user: 'ann' } },
    ]);

    byTestId<HTMLInputElement>(panel, 'pacs-password').value = 'typed-secret';
    byTestId<HTMLFormElement>(panel, 'pacs-form').requestSubmit();
    await settle();
    expect(context.calls('pacsConfigure')[1]).toEqual({
      baseUrl: 'https://pacs.example.org/dicom-web',
      auth: { kind: 'basic', user: 'ann', password: 'typed-secret' },
    });
    expect(byTestId<HTMLInputElement>(panel, 'pacs-password').value).toBe('');
    expect(document.body.innerHTML).not.toContain('typed-secret');

    const auth = byTestId<HTMLSelectElement>(panel, 'pacs-auth');
    auth.value = 'bearer';
    auth.dispatchEvent(new Event('change'));
    expect(panel.querySelector('[data-testid="pacs-token"]')).not.toBeNull();
    expect(panel.querySelector('[data-testid="pacs-password"]')).toBeNull();
  });
});

describe('Library → Import from PACS, paging', () => {
  it('asks for the next page of the same search and appends it, each study once', async () => {
    const study = (n: number): PacsStudy => ({
      ...STUDY,
      studyInstanceUid: `1.2.${n}`,
      patientName: `DOE^${n}`,
    });
    const pages = [
      { studies: Array.from({ length: 200 }, (_, i) => study(i)), mayHaveMore: true },
      // The PACS repeats one study across the page boundary (a study added meanwhile); it is kept once.
      { studies: [study(199), study(200), study(201)], mayHaveMore: false },
    ];
    let call = 0;
    const base = fakeContext({
      pacsConnection: () => CONNECTION,
      pacsSearchStudies: () => pages[call++],
    });
    document.body.append(createPacsImport(base));
    await settle();
    byTestId(document, 'pacs-open').click();
    const dialog = byTestId(document, 'dialog');
    byTestId<HTMLInputElement>(dialog, 'pacs-patient').value = 'DOE*';
    byTestId<HTMLFormElement>(dialog, 'pacs-search-form').requestSubmit();
    await settle();
    expect(byTestId(dialog, 'pacs-studies').querySelectorAll('tbody tr')).toHaveLength(200);
    expect(byTestId(dialog, 'pacs-more').textContent).toContain(
      'more studies for this search than the 200 shown',
    );

    byTestId(dialog, 'pacs-show-more').click();
    await settle();
    expect(base.calls('pacsSearchStudies')).toEqual([
      { limit: 200, patientName: 'DOE*' },
      { limit: 200, patientName: 'DOE*', offset: 200 },
    ]);
    expect(byTestId(dialog, 'pacs-studies').querySelectorAll('tbody tr')).toHaveLength(202);
    expect(dialog.querySelector('[data-testid="pacs-more"]')).toBeNull();
  });
});
