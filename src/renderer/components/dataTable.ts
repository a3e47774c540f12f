import { type Cell, toCsv } from './csv.js';
import { el } from './dom.js';
import { saveJson, saveText, slug } from './download.js';
import { type ExportAction, exportMenu } from './panel.js';

export interface Column<Row> {
  label: string;
  value: (row: Row) => Cell;
  /** Shown text; the export keeps the raw value so numbers stay numbers. */
  format?: (row: Row) => string;
  numeric?: boolean;
  cellClass?: (row: Row) => string | undefined;
}

export interface DataTableOptions<Row> {
  title: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  caption?: string;
  footer?: readonly Row[];
  /** Makes rows focusable buttons: click or Enter opens the row. */
  onOpen?: (row: Row) => void;
  testId?: string;
  /** Replaces the CSV/JSON of the shown columns (e.g. research exports with ids and raw numbers). */
  exports?: readonly ExportAction[];
}

export function exportTableCsv<Row>(
  title: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
): void {
  const csv = toCsv(
    columns.map((c) => c.label),
    rows.map((row) => columns.map((c) => c.value(row))),
  );
  saveText(`${slug(title)}.csv`, csv, 'text/csv');
}

export function exportTableJson<Row>(
  title: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
): void {
  saveJson(
    `${slug(title)}.json`,
    rows.map((row) => Object.fromEntries(columns.map((c) => [c.label, c.value(row) ?? null]))),
  );
}

function renderRow<Row>(row: Row, options: DataTableOptions<Row>, cellTag: 'td' | 'th'): HTMLTableRowElement {
  const tr = el('tr');
  for (const column of options.columns) {
    const extra = column.cellClass?.(row);
    const text = column.format ? column.format(row) : String(column.value(row) ?? '—');
    tr.appendChild(
      el(cellTag, { class: [column.numeric ? 'num' : '', extra ?? ''].join(' ').trim() || undefined, text }),
    );
  }
  const onOpen = options.onOpen;
  if (onOpen && cellTag === 'td') {
    tr.classList.add('clickable');
    tr.tabIndex = 0;
    tr.setAttribute('role', 'button');
    tr.addEventListener('click', () => onOpen(row));
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onOpen(row);
      }
    });
  }
  return tr;
}

export type SortDirection = 'ascending' | 'descending';

/**
 * Orders cells for sorting: numbers (and booleans, false < true) numerically, text with numeric collation
 * ("img 2" before "img 10"); empty cells (null, undefined, NaN) last whichever the direction.
 */
export function compareCells(a: Cell, b: Cell, direction: SortDirection = 'ascending'): number {
  const empty = (c: Cell): boolean =>
    c === null || c === undefined || (typeof c === 'number' && Number.isNaN(c));
  if (empty(a) || empty(b)) return empty(a) === empty(b) ? 0 : empty(a) ? 1 : -1;
  const sign = direction === 'ascending' ? 1 : -1;
  const numeric = (c: Cell): number | null =>
    typeof c === 'number' ? c : typeof c === 'boolean' ? Number(c) : null;
  const x = numeric(a);
  const y = numeric(b);
  if (x !== null && y !== null) return sign * (x - y);
  return sign * String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

/** `rows` sorted by `column` (stable: equal cells keep their order). */
export function sortRows<Row>(rows: readonly Row[], column: Column<Row>, direction: SortDirection): Row[] {
  return rows
    .map((row, index) => ({ row, index, cell: column.value(row) }))
    .sort((a, b) => compareCells(a.cell, b.cell, direction) || a.index - b.index)
    .map((entry) => entry.row);
}

/**
 * A titled table with CSV and JSON export of exactly the rows shown, in the order shown. Every column header
 * sorts the body (footer rows stay last): click, or Enter/Space on the focused header; the first activation sorts
 * ascending, the next flips the direction; `aria-sort` says which.
 */
export function dataTable<Row>(options: DataTableOptions<Row>): HTMLElement {
  const { title, columns } = options;
  let shown: readonly Row[] = options.rows;
  let sorted: { index: number; direction: SortDirection } | null = null;
  const allRows = (): Row[] => [...shown, ...(options.footer ?? [])];
  const tbody = el('tbody', {}, ...shown.map((row) => renderRow(row, options, 'td')));
  const headers = columns.map((c, index) => {
    const th = el(
      'th',
      {
        class: ['sortable', c.numeric ? 'num' : ''].join(' ').trim(),
        text: c.label,
        attrs: { scope: 'col', tabindex: 0, 'aria-sort': 'none', title: `Sort by ${c.label}` },
      },
      el('span', { class: 'sort-indicator', attrs: { 'aria-hidden': 'true' } }),
    );
    const activate = (): void => {
      const direction: SortDirection =
        sorted?.index === index && sorted.direction === 'ascending' ? 'descending' : 'ascending';
      sorted = { index, direction };
      shown = sortRows(options.rows, c, direction);
      tbody.replaceChildren(...shown.map((row) => renderRow(row, options, 'td')));
      headers.forEach((header, other) =>
        header.setAttribute('aria-sort', other === index ? direction : 'none'),
      );
    };
    th.addEventListener('click', activate);
    th.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        activate();
      }
    });
    return th;
  });
  const table = el(
    'table',
    { class: 'data-table' },
    options.caption ? el('caption', { text: options.caption }) : null,
    el('thead', {}, el('tr', {}, ...headers)),
    tbody,
    options.footer?.length
      ? el('tfoot', {}, ...options.footer.map((row) => renderRow(row, options, 'th')))
      : null,
  );
  return el(
    'section',
    { class: 'panel table-panel', attrs: { 'data-testid': options.testId, 'aria-label': title } },
    el(
      'header',
      { class: 'panel-header' },
      el('h3', { text: title }),
      exportMenu(
        title,
        options.exports ?? [
          { label: 'CSV', run: () => exportTableCsv(title, columns, allRows()) },
          { label: 'JSON', run: () => exportTableJson(title, columns, allRows()) },
        ],
      ),
    ),
    el('div', { class: 'table-scroll' }, table),
  );
}
