import { el } from './dom.js';
import { reportError } from './messages.js';

export interface ExportAction {
  label: string;
  run: () => void | Promise<void>;
}

/** The small "Export: CSV JSON PNG" button group every table, chart and grid carries. */
export function exportMenu(subject: string, actions: readonly ExportAction[]): HTMLElement {
  return el(
    'div',
    { class: 'export-menu', attrs: { role: 'group', 'aria-label': `Export ${subject}` } },
    el('span', { class: 'export-label', text: 'Export' }),
    ...actions.map((action) =>
      el('button', {
        class: 'btn btn-small',
        text: action.label,
        attrs: { type: 'button', title: `Export ${subject} as ${action.label}` },
        on: {
          click: () => {
            Promise.resolve()
              .then(action.run)
              .catch((error: unknown) => reportError(error, `Export of ${subject} failed`));
          },
        },
      }),
    ),
  );
}

/** A titled card: header with title and optional actions, then the body. */
export function panel(
  title: string,
  body: readonly (Node | null)[],
  options: { actions?: Node; testId?: string; class?: string; subtitle?: string } = {},
): HTMLElement {
  return el(
    'section',
    {
      class: ['panel', options.class ?? ''].join(' ').trim(),
      attrs: { 'data-testid': options.testId, 'aria-label': title },
    },
    el(
      'header',
      { class: 'panel-header' },
      el(
        'div',
        {},
        el('h3', { text: title }),
        options.subtitle ? el('p', { class: 'muted', text: options.subtitle }) : null,
      ),
      options.actions ?? null,
    ),
    ...body,
  );
}
