import { el } from './dom.js';

/** Previous / next paging for lists the back end pages (library, picker). */
export function pager(
  total: number,
  offset: number,
  limit: number,
  go: (offset: number) => void,
): HTMLElement | null {
  if (total <= limit) return null;
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.ceil(total / limit);
  return el(
    'nav',
    { class: 'pager', attrs: { 'aria-label': 'Pages' } },
    el('button', {
      class: 'btn btn-small',
      text: '← Previous',
      attrs: { type: 'button', disabled: offset === 0 },
      on: { click: () => go(Math.max(0, offset - limit)) },
    }),
    el('span', { class: 'muted', text: `Page ${page} of ${pages} · ${total} images` }),
    el('button', {
      class: 'btn btn-small',
      text: 'Next →',
      attrs: { type: 'button', disabled: offset + limit >= total },
      on: { click: () => go(offset + limit) },
    }),
  );
}
