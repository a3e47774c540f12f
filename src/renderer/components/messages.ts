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

/** At most this many messages are shown; older info and success messages make room first. */
const MAX_SHOWN = 5;

function show(tone: Tone, title: string, detail?: string): HTMLElement {
  // The same message again (a retried action failing the same way) collapses into the one shown, with a count.
  const same = area
    ? [...area.querySelectorAll<HTMLElement>('.message')].find(
        (m) =>
          m.dataset['tone'] === tone &&
          m.dataset['title'] === title &&
          m.dataset['detail'] === (detail ?? ''),
      )
    : undefined;
  if (same) {
    const count = Number(same.dataset['count'] ?? '1') + 1;
    same.dataset['count'] = String(count);
    same.querySelector('.message-count')!.textContent = `×${count}`;
    area!.prepend(same);
    return same;
  }
  const message = el(
    'div',
    {
      class: `message message-${tone}`,
      attrs: {
        role: tone === 'error' ? 'alert' : 'status',
        'data-testid': `message-${tone}`,
        'data-tone': tone,
        'data-title': title,
        'data-detail': detail ?? '',
      },
    },
    el(
      'div',
      { class: 'message-body' },
      el('strong', { text: title }),
      el('span', { class: 'message-count', attrs: { 'aria-label': 'times' } }),
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
  // Errors stay until dismissed (a person must be able to read what went wrong) or until the action that caused
  // them succeeds (attempt); the rest expire.
  if (tone !== 'error') setTimeout(() => message.remove(), INFO_LIFETIME_MS);
  const oldestFirst = [...area.querySelectorAll<HTMLElement>('.message')].reverse();
  const candidates = [...oldestFirst.filter((m) => m.dataset['tone'] !== 'error'), ...oldestFirst];
  for (const extra of candidates) {
    if (area.querySelectorAll('.message').length <= MAX_SHOWN) break;
    if (extra !== message) extra.remove();
  }
  return message;
}

/** Removes the error messages an action left (by their title, the action's context): it has now succeeded. */
export function clearErrors(context: string): void {
  for (const message of area?.querySelectorAll<HTMLElement>('.message-error') ?? []) {
    if (message.dataset['title'] === context) message.remove();
  }
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

/**
 * Runs an action and reports its failure; resolves to undefined when it failed. When it succeeds, the errors an
 * earlier try of the same action left go away.
 */
export async function attempt<T>(context: string, action: () => Promise<T>): Promise<T | undefined> {
  try {
    const result = await action();
    clearErrors(context);
    return result;
  } catch (error) {
    reportError(error, context);
    return undefined;
  }
}
