import { type Child, el } from './dom.js';

/** Never a blank area: says what is missing and what to do about it. */
export function emptyState(title: string, guidance: string, ...actions: Child[]): HTMLElement {
  return el(
    'div',
    { class: 'empty-state', attrs: { 'data-testid': 'empty-state' } },
    el('h3', { text: title }),
    el('p', { text: guidance }),
    actions.length ? el('div', { class: 'actions' }, ...actions) : null,
  );
}

export function loading(text = 'Loading…'): HTMLElement {
  return el('div', { class: 'loading', attrs: { role: 'status' } }, el('span', { class: 'spinner' }), text);
}
