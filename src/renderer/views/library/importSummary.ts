import type { ImportResult } from '../../../shared/index.js';
import { el } from '../../components/dom.js';
import { reportError, reportSuccess } from '../../components/messages.js';

/** Adds one batch's result to a running total (uploads arrive in several requests). */
export function mergeImportResults(total: ImportResult, next: ImportResult): ImportResult {
  return {
    imported: [...total.imported, ...next.imported],
    skipped: [...total.skipped, ...next.skipped],
    alreadyPresent: total.alreadyPresent + next.alreadyPresent,
    duplicates: [...(total.duplicates ?? []), ...(next.duplicates ?? [])],
  };
}

export const EMPTY_IMPORT: ImportResult = { imported: [], skipped: [], alreadyPresent: 0, duplicates: [] };

/**
 * What an import did, in the panel that started it: counts, and every skipped file with its reason
 * (a corrupt file must be named, not silently dropped).
 */
export function importSummary(what: string, result: ImportResult): HTMLElement {
  const counts = [
    `${result.imported.length} imported`,
    result.alreadyPresent > 0 ? `${result.alreadyPresent} already in the workspace` : null,
    result.skipped.length > 0 ? `${result.skipped.length} skipped` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  if (result.skipped.length > 0) {
    const listed = result.skipped
      .slice(0, 3)
      .map((skip) => `${skip.name}: ${skip.reason}`)
      .join('\n');
    const more =
      result.skipped.length > 3
        ? `\n… and ${result.skipped.length - 3} more, listed in the import panel`
        : '';
    reportError(
      listed + more,
      `${result.skipped.length} file${result.skipped.length === 1 ? '' : 's'} could not be imported`,
    );
  } else {
    reportSuccess(`${what}: ${result.imported.length} images imported`);
  }
  return el(
    'div',
    { class: 'import-summary', attrs: { 'data-testid': 'import-summary', role: 'status' } },
    el('strong', { text: `${what}: ${counts}` }),
    result.skipped.length > 0
      ? el(
          'ul',
          { class: 'skip-list', attrs: { 'data-testid': 'skipped-files' } },
          ...result.skipped.map((skip) =>
            el('li', {}, el('span', { class: 'mono', text: skip.name }), ` — ${skip.reason}`),
          ),
        )
      : null,
    (result.duplicates ?? []).length > 0
      ? el(
          'ul',
          { class: 'skip-list', attrs: { 'data-testid': 'duplicate-files' } },
          ...(result.duplicates ?? []).map((duplicate) =>
            el(
              'li',
              {},
              el('span', { class: 'mono', text: duplicate.name }),
              ` — the same picture is already in the workspace as “${duplicate.existingName}”`,
            ),
          ),
        )
      : null,
  );
}
