import { el } from './dom.js';

type Tone = 'error' | 'info' | 'success';

const INFO_LIFETIME_MS = 6000;

let area: HTMLElement | null = null;

/** The one message area of the app; created by the shell, used by every view. */
export function createMessageArea(): HTMLElement {
  area = el('div', {
    class: 'messages',
    attrs: { role: 'region', 'aria-label': 'Messages', 'aria-live': 'polite', 'data-testid': 'messages' },
  });
  return area;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

function show(tone: Tone, title: string, detail?: string): HTMLElement {
  const message = el(
    'div',
    {
      class: `message message-${tone}`,
      attrs: { role: tone === 'error' ? 'alert' : 'status', 'data-testid': `message-${tone}` },
    },
    el(
      'div',
      { class: 'message-body' },
      el('strong', { text: title }),
      detail ? el('p', { text: detail }) : null,
    ),
    el('button', {
      class: 'btn btn-icon',
      text: '×',
      attrs: { type: 'button', 'aria-label': 'Dismiss message' },
      on: { click: () => message.remove() },
    }),
  );
  if (!area) {
    // Before the shell exists there is nowhere better: the console at least keeps it visible to developers.
    console.error(title, detail);
    return message;
  }
  area.prepend(message);
  // Errors stay until dismissed: a person must be able to read what went wrong.
  if (tone !== 'error') setTimeout(() => message.remove(), INFO_LIFETIME_MS);
  return message;
}

export function reportError(error: unknown, context: string): void {
  show('error', context, describeError(error));
}

export function reportInfo(title: string, detail?: string): void {
  show('info', title, detail);
}

export function reportSuccess(title: string, detail?: string): void {
  show('success', title, detail);
}

/** Runs an action and reports its failure; resolves to undefined when it failed. */
export async function attempt<T>(context: string, action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    reportError(error, context);
    return undefined;
  }
}
