import {
  MAX_MODEL_CARD_CHARS,
  type ModelsTrainStatus,
  type OperationRequest,
} from '../../../shared/index.js';
import { fileToBase64 } from '../../api/files.js';
import type { AppContext } from '../../app/context.js';
import { reportJobEnd, startJob } from '../../app/jobs.js';
import { button, el, field, formatPercent, replaceChildren, select } from '../../components/dom.js';
import { fileButton } from '../../components/fileInputs.js';
import { attempt, reportError, reportSuccess } from '../../components/messages.js';
import {
  ARCHITECTURE_TITLES,
  DATASET_TITLES,
  minutes,
  trainPanelState,
  type Architecture,
  type Dataset,
} from './userModels-state.js';

type ImportSource = OperationRequest<'modelsImport'>['source'];

/**
 * The user's own models: import an ONNX model with its card (native dialog in Electron, upload in the browser),
 * and train one for the active key as a job with progress, time left and Cancel. Both refresh the model list.
 */
export function createUserModels(context: AppContext): HTMLElement {
  const where = el('p', { class: 'muted', attrs: { 'data-testid': 'user-models-dir' } });
  const replace = el('input', { attrs: { type: 'checkbox', 'data-testid': 'model-replace' } });

  // ---------- import ----------
  const importModel = async (source: ImportSource): Promise<void> => {
    const result = await attempt('Model import failed', () =>
      context.api.modelsImport({ source, replace: replace.checked }),
    );
    if (!result) return;
    replace.checked = false;
    reportSuccess(
      result.replaced ? 'Model replaced' : 'Model imported',
      `${result.model.name}${result.model.compatible ? '' : ` — ${result.model.problems.join(' ')}`}`,
    );
    await context.store.refresh('models');
  };

  const importFromPaths = (paths: readonly string[]): void => {
    const onnxPath = paths.find((path) => /\.onnx$/i.test(path));
    const cardPath = paths.find((path) => /\.json$/i.test(path));
    if (!onnxPath) {
      reportError('Choose the model’s .onnx file, with its .json card.', 'No ONNX file chosen');
      return;
    }
    void importModel({ kind: 'path', onnxPath, ...(cardPath && { cardPath }) });
  };

  const importFromFiles = async (files: readonly File[]): Promise<void> => {
    const onnx = files.find((file) => /\.onnx$/i.test(file.name));
    const card = files.find((file) => /\.json$/i.test(file.name));
    if (!onnx || !card) {
      reportError(
        'Choose two files together: the model’s .onnx file and its .json model card.',
        'Model import needs both files',
      );
      return;
    }
    if (card.size > MAX_MODEL_CARD_CHARS) {
      reportError(
        `${card.name} is ${card.size} bytes: a model card is a small JSON file.`,
        'Model import failed',
      );
      return;
    }
    const source = await attempt('Model import failed', async () => ({
      kind: 'upload' as const,
      onnxName: onnx.name,
      onnxBase64: await fileToBase64(onnx),
      cardText: await card.text(),
    }));
    if (source) await importModel(source);
  };

  const importControl = context.info.capabilities.nativeDialogs
    ? button(
        'Import a model…',
        () =>
          void attempt('Could not open the file dialog', () =>
            context.api.hostPickPaths({ purpose: 'model-files' }),
          ).then((picked) => {
            if (picked && picked.paths.length > 0) importFromPaths(picked.paths);
          }),
        { testId: 'model-import' },
      )
    : fileButton('Import a model…', (files) => void importFromFiles(files), {
        accept: '.onnx,.json,application/json',
        multiple: true,
        testId: 'model-import-input',
      });

  // ---------- train ----------
  const choice: { dataset: Dataset; architecture: Architecture; epochs: number | null } = {
    dataset: context.info.datasets.find((d) => d.available)?.dataset ?? 'mednist',
    architecture: 'dcnn',
    epochs: null,
  };
  let status: ModelsTrainStatus | null = null;
  let running = false;
  const explanation = el('p', { class: 'muted', attrs: { 'data-testid': 'train-explanation' } });
  const estimate = el('span', { class: 'field-hint', attrs: { 'data-testid': 'train-estimate' } });
  const jobArea = el('div', { attrs: { 'data-testid': 'train-status' } });
  const epochs = el('input', {
    attrs: { type: 'number', min: 1, max: 200, 'data-testid': 'train-epochs', 'aria-label': 'Epochs' },
  });
  const trainButton = button('Train a model for this key', () => void train(), {
    class: 'btn btn-primary',
    testId: 'model-train',
    disabled: true,
  });
  const recheck = button(
    'Check again',
    () =>
      void attempt('Could not check the training setup', async () => {
        status = await context.api.modelsTrainStatus({ recheck: true });
        update();
      }),
    { class: 'btn btn-small', testId: 'train-recheck' },
  );

  const recheckSlot = el('span');

  const update = (): void => {
    const state = trainPanelState({
      status,
      fingerprint: context.store.keys?.active?.fingerprint ?? null,
      dataset: choice.dataset,
      architecture: choice.architecture,
      epochs: Number(epochs.value),
      running,
      dataDir: context.store.settings?.dataDir ?? null,
    });
    if (state.option && choice.epochs === null) epochs.value = String(state.option.defaultEpochs);
    estimate.textContent = state.estimate;
    where.textContent = state.where;
    trainButton.disabled = state.reason !== null || running;
    trainButton.title = state.reason ?? '';
    // Offered only while training is unavailable: after installing PyTorch, without restarting the host.
    replaceChildren(recheckSlot, state.offerRecheck ? recheck : null);
    explanation.textContent = state.explanation;
    explanation.className = state.problem ? 'inline-note' : 'muted';
  };

  epochs.addEventListener('change', () => {
    const value = Math.min(200, Math.max(1, Math.floor(Number(epochs.value) || 1)));
    epochs.value = String(value);
    choice.epochs = value;
    update();
  });

  const train = async (): Promise<void> => {
    if (running) return;
    running = true;
    update();
    const what = `${DATASET_TITLES[choice.dataset]} ${choice.architecture === 'dcnn' ? 'DCNN' : 'bit-plane MLP'}`;
    try {
      const job = await startJob(context.api, 'model-train', `Training ${what} for the active key`, () =>
        context.api.modelsTrain({
          dataset: choice.dataset,
          architecture: choice.architecture,
          epochs: Math.floor(Number(epochs.value)) || undefined,
          replace: replace.checked,
        }),
      );
      replaceChildren(jobArea, job.element);
      const result = await job.result;
      replace.checked = false;
      reportSuccess(
        result.replaced ? 'Model retrained and active' : 'Model trained and active',
        `${result.model.name}: test accuracy ${formatPercent(result.metrics.test.accuracy)}, weighted F1 ${result.metrics.test.weightedF1.toFixed(4)} after ${result.epochsRun} epochs (${minutes(result.durationSeconds)} on ${result.device}).`,
      );
    } catch (error) {
      reportJobEnd(
        error,
        'Training',
        'Nothing was installed, and the encrypted copy of the dataset was deleted.',
      );
    } finally {
      running = false;
      replaceChildren(jobArea);
      status = await context.api.modelsTrainStatus().catch(() => status);
      update();
      await context.store.refresh('models', 'settings');
    }
  };

  const load = async (): Promise<void> => {
    status = await context.api.modelsTrainStatus().catch((error: unknown) => {
      reportError(error, 'Could not check the training setup');
      return null;
    });
    update();
  };
  context.store.on('keys', update);
  context.store.on('settings', update);
  update();
  void load();

  return el(
    'div',
    { class: 'panel-inset', attrs: { 'data-testid': 'user-models' } },
    el('h3', { text: 'Your own models' }),
    where,
    el(
      'div',
      { class: 'toolbar' },
      importControl,
      el('label', { class: 'checkbox' }, replace, 'Replace my model with the same id'),
    ),
    el('p', {
      class: 'muted',
      text: 'An import is an .onnx file with its .json model card (as the trainer writes them). It is checked first: the card, the file’s SHA-256, and that the graph opens with the inputs and outputs its card promises. Shipped models cannot be replaced.',
    }),
    el(
      'div',
      { class: 'toolbar' },
      field(
        'Dataset',
        select<Dataset>(
          context.info.datasets.map((d) => ({
            value: d.dataset,
            label: `${DATASET_TITLES[d.dataset]}${d.available ? '' : ' (not found)'}`,
          })),
          choice.dataset,
          (value) => {
            choice.dataset = value;
            choice.epochs = null;
            update();
          },
          'train-dataset',
        ),
      ),
      field(
        'Architecture',
        select<Architecture>(
          (Object.keys(ARCHITECTURE_TITLES) as Architecture[]).map((value) => ({
            value,
            label: ARCHITECTURE_TITLES[value],
          })),
          choice.architecture,
          (value) => {
            choice.architecture = value;
            choice.epochs = null;
            update();
          },
          'train-architecture',
        ),
      ),
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'Epochs' }), epochs, estimate),
      trainButton,
      recheckSlot,
    ),
    explanation,
    jobArea,
  );
}
