import type { ModelInfo } from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { button, el, replaceChildren } from '../../components/dom.js';
import { emptyState } from '../../components/emptyState.js';
import { attempt, reportError, reportSuccess } from '../../components/messages.js';
import { panel } from '../../components/panel.js';
import { modelReadsText } from '../../components/modelInput.js';
import {
  cardMetrics,
  modelSummary,
  provenance,
  readsBadge,
  selectNeedsConfirmation,
} from './models-state.js';
import { createUserModels } from './userModels.js';

function readsBadgeElement(model: ModelInfo): HTMLElement {
  const { tone, text } = readsBadge(model);
  return el('span', { class: tone ? `badge badge-${tone}` : 'badge', text });
}

const SOURCE_BADGES: Record<ModelInfo['source'], { text: string; title: string }> = {
  shipped: { text: 'shipped', title: 'Installed with CipherLens' },
  user: {
    text: 'your model',
    title: 'Imported or trained by you; kept in your state folder, beside your keys',
  },
  derived: { text: 'derived in memory', title: 'Computed for the active key; never stored' },
};

function sourceBadge(model: ModelInfo): HTMLElement {
  const { text, title } = SOURCE_BADGES[model.source];
  return el('span', {
    class: model.source === 'user' ? 'badge badge-ok' : 'badge',
    text,
    attrs: { title, 'data-testid': 'model-source', 'data-source': model.source },
  });
}

function modelCard(context: AppContext, model: ModelInfo, active: boolean): HTMLElement {
  const metrics = cardMetrics(model.metrics);
  return el(
    'li',
    {
      class: active ? 'key-row active' : 'key-row',
      attrs: { 'data-testid': 'model-row', 'data-model-id': model.id },
    },
    el(
      'div',
      { class: 'model-info' },
      el(
        'div',
        {},
        el('strong', { text: model.name }),
        ' ',
        active ? el('span', { class: 'badge badge-ok', text: 'active' }) : null,
        ' ',
        sourceBadge(model),
        ' ',
        readsBadgeElement(model),
        ' ',
        model.compatible
          ? model.reads === 'plain'
            ? null
            : el('span', { class: 'badge', text: 'fits the active key' })
          : el('span', { class: 'badge badge-bad', text: 'mismatch' }),
      ),
      el('div', { class: 'muted', attrs: { 'data-testid': 'model-reads' }, text: modelReadsText(model) }),
      el('div', {
        class: 'muted',
        text: modelSummary(model),
      }),
      el('div', {
        class: 'muted',
        text: `${provenance(model)}${metrics ? ` · ${metrics}` : ''}`,
      }),
      model.problems.length > 0
        ? el('p', {
            class: 'inline-error',
            attrs: { 'data-testid': 'model-problem' },
            text: model.problems.join(' '),
          })
        : null,
    ),
    active
      ? null
      : button(
          model.reads === 'plain' ? 'Use this PLAIN model…' : 'Use this model',
          () =>
            void attempt(`Could not select ${model.name}`, async () => {
              // A plain model sees decrypted images: it is only ever used after an explicit, informed yes.
              if (
                selectNeedsConfirmation(model) &&
                !window.confirm(
                  `${model.name} reads PLAIN images. Every image will be decrypted before it reaches this model, and the screens will say "decrypted" instead of "encrypted". Use it anyway?`,
                )
              )
                return;
              const { active: selected } = await context.api.modelsSelect({ id: model.id });
              if (selected.compatible) reportSuccess('Model selected', selected.name);
              else
                reportError(
                  selected.problems.join(' '),
                  `${selected.name} is selected but cannot run with the active key`,
                );
              await context.store.refresh('models', 'settings');
            }),
          { class: 'btn btn-small' },
        ),
  );
}

/** The ONNX models found, whether each fits the active key, and why not when it does not. */
export function createModelsPanel(context: AppContext): HTMLElement {
  const list = el('ul', { class: 'key-list', attrs: { 'data-testid': 'model-list' } });
  const render = (): void => {
    const models = context.store.models;
    if (!models || models.models.length === 0) {
      replaceChildren(
        list,
        emptyState(
          'No models found',
          'Shipped models live in resources/models (an .onnx file with its model card). Import one below, or train one for the active key.',
        ),
      );
      return;
    }
    replaceChildren(
      list,
      ...models.models.map((model) => modelCard(context, model, model.id === models.activeId)),
    );
  };
  context.store.on('models', render);
  render();
  return panel('Models', [list, createUserModels(context)], {
    testId: 'models-panel',
    subtitle:
      'A model trained on encrypted images only works with the key it was trained under: with another key its input is noise to it, so CipherLens refuses instead of guessing. A plain bit-plane model is transformed for every key you activate, in memory and in well under a second, so any key can classify and retrieve at once. Plain models see decrypted images and are used only when you choose one.',
  });
}
