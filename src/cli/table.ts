/** Plain-text tables with aligned columns for terminal output. */
export type Align = 'left' | 'right';

const width = (text: string): number => [...text].length;

function pad(text: string, size: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Lines of a table: header, a rule of dashes, then the rows. Columns are separated by two spaces; a column
 * without an `align` entry is left-aligned. Trailing spaces are trimmed.
 */
export function formatTable(header: string[], rows: string[][], align: Align[] = []): string[] {
  const columns = Math.max(header.length, ...rows.map((row) => row.length));
  const sizes = Array.from({ length: columns }, (_, c) =>
    Math.max(width(header[c] ?? ''), ...rows.map((row) => width(row[c] ?? ''))),
  );
  const line = (cells: string[]): string =>
    sizes
      .map((size, c) => pad(cells[c] ?? '', size, align[c] ?? 'left'))
      .join('  ')
      .trimEnd();
  return [line(header), sizes.map((size) => '-'.repeat(size)).join('  '), ...rows.map(line)];
}

/** Wraps prose at `columns` characters, indenting continuation lines by `hang` spaces. */
export function wrapText(text: string, columns: number, indent = '', hang = indent.length): string[] {
  const lines: string[] = [];
  let current = indent;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && width(current) + 1 + width(word) > columns) {
      lines.push(current);
      current = ' '.repeat(hang);
      empty = true;
    }
    current += (empty ? '' : ' ') + word;
    empty = false;
  }
  if (!empty) lines.push(current);
  return lines;
}
