import { el } from './dom.js';

export interface Probability {
  label: string;
  probability: number;
}

/** Top-k classes as horizontal bars, highest first; the true label, when known, is marked. */
export function probabilityBars(predictions: readonly Probability[], trueLabel: string | null): HTMLElement {
  return el(
    'ol',
    { class: 'prob-list', attrs: { 'data-testid': 'predictions', 'aria-label': 'Predicted classes' } },
    ...predictions.map((prediction, index) => {
      const fill = el('span', { class: 'prob-fill' });
      // CSSOM, not a style attribute: allowed by the strict CSP.
      fill.style.width = `${Math.max(0.5, prediction.probability * 100)}%`;
      const isTrue = trueLabel !== null && prediction.label === trueLabel;
      return el(
        'li',
        { class: ['prob-row', index === 0 ? 'top' : '', isTrue ? 'true-label' : ''].join(' ').trim() },
        el('span', { class: 'prob-label', text: prediction.label + (isTrue ? ' ✓' : '') }),
        el(
          'span',
          {
            class: 'prob-track',
            attrs: {
              role: 'meter',
              'aria-valuemin': 0,
              'aria-valuemax': 100,
              'aria-valuenow': Math.round(prediction.probability * 1000) / 10,
              'aria-label': `${prediction.label} probability`,
            },
          },
          fill,
        ),
        el('span', { class: 'prob-value', text: `${(prediction.probability * 100).toFixed(1)}%` }),
      );
    }),
  );
}
