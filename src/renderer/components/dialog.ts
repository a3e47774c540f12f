import { type Child, el } from './dom.js';

/**
 * A modal built on <dialog>: the browser handles focus trapping and Escape, and focus returns to
 * the element that opened it when it closes.
 */
export function openDialog(title: string, ...body: Child[]): HTMLDialogElement {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const dialog = el(
    'dialog',
    { class: 'dialog', attrs: { 'aria-label': title, 'data-testid': 'dialog' } },
    el(
      'header',
      { class: 'panel-header' },
      el('h2', { text: title }),
      el('button', {
        class: 'btn btn-icon',
        text: '×',
        attrs: { type: 'button', 'aria-label': 'Close' },
        on: { click: () => dialog.close() },
      }),
    ),
    el('div', { class: 'dialog-body' }, ...body),
  );
  dialog.addEventListener('close', () => {
    dialog.remove();
    opener?.focus();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}
