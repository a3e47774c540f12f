import { el } from './dom.js';

export interface ProgressBar {
  element: HTMLElement;
  update(done: number, total: number, message: string): void;
  /** Removes the Cancel button once the work can no longer be stopped. */
  settle(status: string): void;
}

/** How long "Stop … now?" waits for the second click before it turns back into Cancel. */
export const CONFIRM_MS = 6000;

/** A labelled progress bar with an optional Cancel button: every long operation shows one. */
export function progressBar(
  title: string,
  onCancel?: () => void,
  dataset: Record<string, string> = {},
): ProgressBar {
  const bar = el('progress', { attrs: { 'aria-label': `${title} progress` } });
  const message = el('span', { class: 'job-message', text: 'Starting…' });
  const count = el('span', { class: 'job-count' });
  // Cancel asks once more before it stops the work (a stray click must not throw away a long batch): the first
  // click turns the button into "Stop now?" beside "Keep going"; the question lapses after CONFIRM_MS.
  let lapse: ReturnType<typeof setTimeout> | undefined;
  const reset = (): void => {
    clearTimeout(lapse);
    if (!cancel || cancel.hasAttribute('disabled')) return;
    cancel.textContent = 'Cancel';
    cancel.removeAttribute('aria-label');
    delete cancel.dataset['confirming'];
    keep.hidden = true;
  };
  const keep = el('button', {
    class: 'btn btn-small',
    text: 'Keep going',
    attrs: { type: 'button', 'data-testid': 'job-cancel-keep', hidden: true },
    on: { click: reset },
  });
  const cancel = onCancel
    ? el('button', {
        class: 'btn btn-small btn-danger',
        text: 'Cancel',
        attrs: { type: 'button', 'data-testid': 'job-cancel' },
        on: {
          click: () => {
            if (!cancel) return;
            if (cancel.dataset['confirming'] !== 'true') {
              cancel.dataset['confirming'] = 'true';
              cancel.textContent = 'Stop now?';
              cancel.setAttribute('aria-label', `Stop ${title.toLowerCase()} now?`);
              keep.hidden = false;
              lapse = setTimeout(reset, CONFIRM_MS);
              return;
            }
            clearTimeout(lapse);
            keep.remove();
            cancel.setAttribute('disabled', '');
            cancel.textContent = 'Cancelling…';
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
    cancel ? el('span', { class: 'job-actions' }, cancel, keep) : el('span'),
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
      clearTimeout(lapse);
      cancel?.remove();
      keep.remove();
    },
  };
}
