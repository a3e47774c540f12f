import type { OperationResponse } from '../../shared/index.js';
import type { AppContext, View } from '../app/context.js';
import { button, el, field, replaceChildren } from '../components/dom.js';
import { emptyState, loading } from '../components/emptyState.js';
import { imageFigure } from '../components/figures.js';
import { describeError } from '../components/messages.js';
import { modelAwareIntro } from '../components/modelInput.js';
import { modelNotice } from '../components/modelNotice.js';
import { panel } from '../components/panel.js';
import { probabilityBars } from '../components/probabilityBars.js';
import { type PickedImage, sourcePicker } from '../components/sourcePicker.js';
import { inlineError, viewHeader } from '../components/viewHeader.js';
import { createBatchClassify } from './classify/batch.js';
import { runInfoText } from './shared/runInfo.js';

type ClassifyResult = OperationResponse<'classifyImage'>;

function resultCard(picked: PickedImage, result: ClassifyResult): HTMLElement {
  const top = result.predictions[0];
  const verdict =
    result.trueLabel === null || !top
      ? null
      : top.label === result.trueLabel
        ? el('span', { class: 'badge badge-ok', text: `Correct: labelled ${result.trueLabel}` })
        : el('span', { class: 'badge badge-bad', text: `Wrong: labelled ${result.trueLabel}` });
  const ood = result.outOfDistribution;
  const oodWarning = ood?.flag
    ? el(
        'div',
        { class: 'ood-warning', attrs: { 'data-testid': 'ood-warning', role: 'status' } },
        el('span', {
          class: 'badge badge-warn',
          text: 'Unlike anything this model was trained on',
          attrs: {
            title: `${ood.method} score ${ood.score.toPrecision(4)} > threshold ${ood.threshold.toPrecision(4)}`,
          },
        }),
        el('p', {
          class: 'muted',
          text:
            `This image scores ${ood.score.toPrecision(4)} (${ood.method}), above ${ood.threshold.toPrecision(4)}, ` +
            'which only about 1 % of the validation images exceed: the prediction above is probably meaningless.',
        }),
      )
    : null;
  return el(
    'div',
    { class: 'result-card', attrs: { 'data-testid': 'classify-result' } },
    el(
      'div',
      { class: 'result-images' },
      picked.preview ? imageFigure(picked.preview, 'your image') : null,
      imageFigure(
        result.modelInput,
        result.run.input === 'encrypted'
          ? 'what the model saw (encrypted)'
          : 'what the model saw (decrypted — plain model)',
      ),
    ),
    el(
      'div',
      {},
      el('h4', {
        class: 'result-title',
        text: top ? `${top.label} — ${(top.probability * 100).toFixed(1)}%` : 'No prediction',
      }),
      verdict,
      oodWarning,
      probabilityBars(result.predictions, result.trueLabel),
      el('p', { class: 'muted', text: runInfoText(result.run) }),
      result.conversion.length
        ? el(
            'details',
            { class: 'conversion-details' },
            el('summary', { text: 'How the image was converted' }),
            el('ul', { class: 'muted' }, ...result.conversion.map((step) => el('li', { text: step }))),
          )
        : null,
    ),
  );
}

export function createClassifyView(context: AppContext): View {
  let picked: PickedImage | null = null;
  let topK = 5;
  let sequence = 0;
  const output = el('div', { attrs: { 'aria-live': 'polite' } });
  const classifyButton = button('Classify', () => void classify(), {
    class: 'btn btn-primary',
    disabled: true,
    testId: 'classify-run',
  });

  const classify = async (): Promise<void> => {
    if (!picked) return;
    const current = picked;
    const run = ++sequence;
    replaceChildren(output, loading('Encrypting and classifying…'));
    try {
      const result = await context.api.classifyImage({ source: current.source, topK });
      if (run !== sequence) return;
      replaceChildren(output, resultCard(current, result));
      void context.store.refresh('settings');
    } catch (error) {
      if (run === sequence)
        replaceChildren(output, inlineError(`Could not classify ${current.name}: ${describeError(error)}`));
    }
  };

  const picker = sourcePicker(
    context.api,
    (image) => {
      picked = image;
      classifyButton.disabled = false;
      void classify();
    },
    'classify-source',
  );
  const topKInput = el('input', {
    attrs: { type: 'number', min: 1, max: 100, value: topK, 'data-testid': 'classify-topk' },
  });
  topKInput.addEventListener('change', () => {
    topK = Math.min(100, Math.max(1, Math.floor(Number(topKInput.value) || 1)));
    topKInput.value = String(topK);
    if (picked) void classify();
  });
  replaceChildren(
    output,
    emptyState(
      'No image classified yet',
      'Upload an image, drop one on the box, or pick one from the library.',
    ),
  );

  const element = el(
    'section',
    { attrs: { 'aria-label': 'Classify' } },
    viewHeader(
      'Classify',
      modelAwareIntro(
        context,
        'The image is encrypted with the active key and only the cipher image reaches the model, which reads cipher images of that key.',
        'A PLAIN model is active: the image is decrypted and the model sees it in the clear. Choose an encrypted or transformed model in Settings → Models for privacy.',
      ),
    ),
    modelNotice(context),
    el(
      'div',
      { class: 'columns' },
      panel(
        'One image',
        [picker.element, el('div', { class: 'toolbar' }, field('Top-k classes', topKInput), classifyButton)],
        {
          testId: 'classify-single',
        },
      ),
      panel('Prediction', [output], { testId: 'classify-output' }),
    ),
    createBatchClassify(context),
  );

  return {
    element,
    show: (params) => {
      if (!params.itemId) return;
      void picker.setItem(params.itemId);
    },
  };
}
