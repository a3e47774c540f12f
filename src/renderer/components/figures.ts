import { el } from './dom.js';

/** An image with its caption underneath; `large` for the main image of a view or dialog. */
export function imageFigure(src: string, caption: string, size: 'normal' | 'large' = 'normal'): HTMLElement {
  return el(
    'figure',
    {},
    el('img', {
      class: size === 'large' ? 'preview-image large' : 'preview-image',
      attrs: { src, alt: caption },
    }),
    el('figcaption', { text: caption }),
  );
}

/** Term/value pairs laid out as two columns. */
export function definitionList(rows: readonly (readonly [string, string])[]): HTMLElement {
  const list = el('dl', { class: 'definition-list' });
  for (const [term, value] of rows) list.append(el('dt', { text: term }), el('dd', { text: value }));
  return list;
}
