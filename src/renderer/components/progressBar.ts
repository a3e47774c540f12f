import { el } from './dom.js';

export interface ProgressBar {
  element: HTMLElement;
  update(done: number, total: number, message: string): void;
  /** Removes the Cancel button once the work can no longer be stopped. */
  settle(status: string): void;
}

/** A labelled progress bar with an optional Cancel button: every long operation shows one. */
export function progressBar(
  title: string,
  onCancel?: () => void,
  dataset: Record<string, string> = {},
): ProgressBar {
  const bar = el('progress', { attrs: { 'aria-label': `${title} progress` } });
  const message = el('span', { class: 'job-message', text: 'Starting…' });
  const count = el('span', { class: 'job-count' });
  const cancel = onCancel
    ? el('button', {
        class: 'btn btn-small btn-danger',
        text: 'Cancel',
        attrs: { type: 'button', 'data-testid': 'job-cancel' },
        on: {
          click: () => {
            cancel?.setAttribute('disabled', '');
            if (cancel) cancel.textContent = 'Cancelling…';
            onCancel();
          },
        },
      })
    : null;
  const element = el(
    'div',
    { class: 'job', dataset, attrs: { 'data-testid': 'job-progress', role: 'group', 'aria-label': title } },
    el('div', {}, el('strong', { text: title }), el('div', {}, message)),
    bar,
    count,
    cancel ?? el('span'),
  );
  return {
    element,
    update(done, total, text) {
      if (total > 0) {
        bar.max = total;
        bar.value = Math.min(done, total);
      }
      message.textContent = text;
      count.textContent = total > 0 ? `${done} / ${total}` : `${done}`;
    },
    settle(status) {
      element.dataset['status'] = status;
      cancel?.remove();
    },
  };
}
