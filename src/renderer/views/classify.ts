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
import {
  clampTopK,
  modelSawCaption,
  oodWarning,
  resultTitle,
  TOP_K_MAX,
  verdict,
  type ClassifyResult,
} from './classify-state.js';
import { runInfoText } from './shared/runInfo.js';

function resultCard(picked: PickedImage, result: ClassifyResult): HTMLElement {
  const right = verdict(result);
  const ood = oodWarning(result);
  return el(
    'div',
    { class: 'result-card', attrs: { 'data-testid': 'classify-result' } },
    el(
      'div',
      { class: 'result-images' },
      picked.preview ? imageFigure(picked.preview, 'your image') : null,
      imageFigure(result.modelInput, modelSawCaption(result.run.input)),
    ),
    el(
      'div',
      {},
      el('h4', { class: 'result-title', text: resultTitle(result) }),
      right
        ? el('span', { class: right.correct ? 'badge badge-ok' : 'badge badge-bad', text: right.text })
        : null,
      ood
        ? el(
            'div',
            { class: 'ood-warning', attrs: { 'data-testid': 'ood-warning', role: 'status' } },
            el('span', { class: 'badge badge-warn', text: ood.badge, attrs: { title: ood.title } }),
            el('p', { class: 'muted', text: ood.text }),
          )
        : null,
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
    attrs: { type: 'number', min: 1, max: TOP_K_MAX, value: topK, 'data-testid': 'classify-topk' },
  });
  topKInput.addEventListener('change', () => {
    topK = clampTopK(Number(topKInput.value));
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
