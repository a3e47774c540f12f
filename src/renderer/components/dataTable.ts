import { type Cell, toCsv } from './csv.js';
import { el } from './dom.js';
import { saveJson, saveText, slug } from './download.js';
import { exportMenu } from './panel.js';

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

/** A titled table with CSV and JSON export of exactly the rows shown. */
export function dataTable<Row>(options: DataTableOptions<Row>): HTMLElement {
  const { title, columns, rows } = options;
  const allRows = [...rows, ...(options.footer ?? [])];
  const table = el(
    'table',
    { class: 'data-table' },
    options.caption ? el('caption', { text: options.caption }) : null,
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...columns.map((c) =>
          el('th', { class: c.numeric ? 'num' : undefined, text: c.label, attrs: { scope: 'col' } }),
        ),
      ),
    ),
    el('tbody', {}, ...rows.map((row) => renderRow(row, options, 'td'))),
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
      exportMenu(title, [
        { label: 'CSV', run: () => exportTableCsv(title, columns, allRows) },
        { label: 'JSON', run: () => exportTableJson(title, columns, allRows) },
      ]),
    ),
    el('div', { class: 'table-scroll' }, table),
  );
}
