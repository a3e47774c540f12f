import type { AppContext } from '../../app/context.js';
import { type JobHandle, reportJobEnd, startJob } from '../../app/jobs.js';
import { button, el, field, replaceChildren, select } from '../../components/dom.js';
import { panel } from '../../components/panel.js';
import { importSummary } from './importSummary.js';

type DatasetName = 'mednist' | 'mnist';
type Split = 'train' | 'test';

const DATASET_TITLES: Record<DatasetName, string> = { mednist: 'MedNIST', mnist: 'MNIST' };

/** A labelled sample of a bundled dataset (N per class), imported as a job with a progress bar. */
export function createDatasetImport(context: AppContext): { element: HTMLElement; resume: () => void } {
  const datasets = context.info.datasets;
  const firstAvailable = datasets.find((d) => d.available)?.dataset ?? 'mednist';
  const choice = { dataset: firstAvailable as DatasetName, split: 'test' as Split, perClass: 20 };
  const status = el('div', { class: 'import-status', attrs: { 'data-testid': 'dataset-import-status' } });
  const availability = el('p', { class: 'muted' });
  let running = false;

  const describeAvailability = (): void => {
    const info = datasets.find((d) => d.dataset === choice.dataset);
    availability.textContent = info?.available
      ? `${info.classes.length} classes (${info.classes.join(', ')}), ${info.imageSize}×${info.imageSize}, from ${info.location ?? 'the data folder'}.`
      : `${DATASET_TITLES[choice.dataset]} was not found in the data folder (${context.store.settings?.dataDir ?? 'not set'}). Place it there, or set the data folder when starting the host.`;
    importButton.disabled = !info?.available;
  };

  const follow = async (
    start: () => Promise<JobHandle<'import-dataset'> | JobHandle<'import-paths'>>,
    what: string,
  ): Promise<void> => {
    if (running) return;
    running = true;
    importButton.disabled = true;
    try {
      const job = await start();
      replaceChildren(status, job.element);
      const result = await job.result;
      replaceChildren(status, importSummary(what, result));
    } catch (error) {
      replaceChildren(status);
      reportJobEnd(error, 'Import', 'The images stored so far are kept; the import can be resumed.');
    } finally {
      running = false;
      describeAvailability();
      void context.store.refresh('workspace');
    }
  };

  const perClass = el('input', {
    attrs: {
      type: 'number',
      min: 1,
      max: 1000,
      value: choice.perClass,
      'data-testid': 'dataset-per-class',
      'aria-label': 'Images per class',
    },
  });
  perClass.addEventListener('change', () => {
    choice.perClass = Math.min(1000, Math.max(1, Math.floor(Number(perClass.value) || 1)));
    perClass.value = String(choice.perClass);
  });

  const importButton = button(
    'Import sample',
    () =>
      void follow(
        () =>
          startJob(context.api, 'import-dataset', `Importing ${DATASET_TITLES[choice.dataset]} sample`, () =>
            context.api.importDataset({
              dataset: choice.dataset,
              split: choice.split,
              perClass: choice.perClass,
            }),
          ),
        `${DATASET_TITLES[choice.dataset]} sample`,
      ),
    { class: 'btn btn-primary', testId: 'dataset-import' },
  );

  const resume = (): void => {
    void follow(async () => {
      const kind =
        context.store.workspace?.pendingImport?.jobKind === 'import-paths'
          ? 'import-paths'
          : 'import-dataset';
      return startJob(context.api, kind, 'Resuming import', () => context.api.importResume());
    }, 'Resumed import');
  };

  const element = panel(
    'Import a dataset sample',
    [
      el(
        'div',
        { class: 'toolbar' },
        field(
          'Dataset',
          select<DatasetName>(
            datasets.map((d) => ({
              value: d.dataset,
              label: `${DATASET_TITLES[d.dataset]}${d.available ? '' : ' (not found)'}`,
            })),
            choice.dataset,
            (value) => {
              choice.dataset = value;
              describeAvailability();
            },
            'dataset-name',
          ),
        ),
        field(
          'Split',
          select<Split>(
            [
              { value: 'test', label: 'Test' },
              { value: 'train', label: 'Train' },
            ],
            choice.split,
            (value) => {
              choice.split = value;
            },
          ),
        ),
        field('Images per class', perClass),
        importButton,
      ),
      availability,
      status,
    ],
    { testId: 'dataset-import-panel', subtitle: 'Labelled images to classify, search and evaluate against.' },
  );
  describeAvailability();
  return { element, resume };
}
