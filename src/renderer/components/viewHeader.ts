import { type Child, el } from './dom.js';

/** `description`: a sentence, or an element that keeps itself current (see modelAwareIntro). */
export function viewHeader(
  title: string,
  description: string | HTMLElement,
  ...actions: Child[]
): HTMLElement {
  return el(
    'header',
    { class: 'view-header' },
    el(
      'div',
      {},
      el('h2', { text: title }),
      typeof description === 'string' ? el('p', { text: description }) : description,
    ),
    actions.length ? el('div', { class: 'toolbar' }, ...actions) : null,
  );
}

export function stat(label: string, value: string, note?: string, testId?: string): HTMLElement {
  return el(
    'div',
    { class: 'stat', attrs: { 'data-testid': testId } },
    el('div', { class: 'stat-label', text: label }),
    el('div', { class: 'stat-value', text: value }),
    note ? el('div', { class: 'stat-note', text: note }) : null,
  );
}

/** An error shown where the result would have been, so the person sees why the area is empty. */
export function inlineError(message: string): HTMLElement {
  return el('div', {
    class: 'inline-error',
    attrs: { role: 'alert', 'data-testid': 'inline-error' },
    text: message,
  });
}
