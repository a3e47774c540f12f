import type { LibraryItem, OperationResponse } from '../../shared/index.js';
import type { CipherLensClient } from '../api/index.js';
import type { JobResult } from '../app/jobs.js';
import { type Cell, toCsv } from './csv.js';
import { saveJson, saveText, slug } from './download.js';

/** libraryItems answers at most this many ids per call. */
const ITEMS_PER_CALL = 500;

/** Every item of `ids` (names, sources, keys), fetched in calls of 500; ids no longer in the workspace are absent. */
export async function fetchItemsById(
  api: CipherLensClient,
  ids: readonly string[],
): Promise<Map<string, LibraryItem>> {
  const found = new Map<string, LibraryItem>();
  const unique = [...new Set(ids)];
  for (let first = 0; first < unique.length; first += ITEMS_PER_CALL) {
    const { items } = await api.libraryItems({ ids: unique.slice(first, first + ITEMS_PER_CALL) });
    for (const item of items) found.set(item.id, item);
  }
  return found;
}

/** The columns that say which image a row is about, the same in every export. */
function itemColumns(id: string, item: LibraryItem | undefined): Record<string, Cell> {
  const dataset = item?.origin?.dataset ?? null;
  return {
    itemId: id,
    name: item?.name ?? null,
    source: item?.source ?? null,
    origin: item?.origin?.title ?? null,
    dataset: dataset?.name ?? null,
    split: dataset?.split ?? null,
    datasetPart: dataset?.part ?? null,
    datasetIndex: dataset?.index ?? null,
    label: item?.label ?? null,
    keyFingerprint: item?.keyFingerprint ?? null,
  };
}

type BatchResult = JobResult<'classify-batch'>;

/**
 * One row per classified image: its id (unique even when file names repeat across class folders), where it came
 * from, its label and key, the model, the top prediction and every class's probability, unrounded.
 */
export function batchExportRows(
  result: BatchResult,
  items: Map<string, LibraryItem>,
): Record<string, Cell>[] {
  const classes = result.classes ?? [];
  return result.results.map((row) => {
    const top = row.predictions[0];
    const probabilities: Record<string, Cell> = {};
    classes.forEach((name, index) => {
      probabilities[`p_${name}`] = row.probabilities?.[index] ?? null;
    });
    return {
      ...itemColumns(row.id, items.get(row.id)),
      label: row.trueLabel,
      modelId: result.run.modelId,
      modelInput: result.run.input,
      predicted: top?.label ?? null,
      probability: top?.probability ?? null,
      correct: row.trueLabel === null || !top ? null : top.label === row.trueLabel,
      outOfDistribution: row.outOfDistribution ? row.outOfDistribution.flag : null,
      oodScore: row.outOfDistribution?.score ?? null,
      oodThreshold: row.outOfDistribution?.threshold ?? null,
      oodMethod: row.outOfDistribution?.method ?? null,
      ...probabilities,
    };
  });
}

type QueryResult = OperationResponse<'retrieveQuery'>;

export interface RetrievalQueryInfo {
  name: string;
  /** The library item queried, when the query is one. */
  item: LibraryItem | null;
}

/** One row per hit, each carrying the query (id, name, source, label) so a file of several queries stays clear. */
export function retrievalExportRows(
  result: QueryResult,
  query: RetrievalQueryInfo,
  items: Map<string, LibraryItem>,
): Record<string, Cell>[] {
  const queryOrigin = query.item?.origin?.dataset ?? null;
  return result.results.map((hit) => ({
    queryId: result.query.id,
    queryName: query.name,
    querySource: query.item?.source ?? 'uploaded file (not in the workspace)',
    queryDataset: queryOrigin?.name ?? null,
    querySplit: queryOrigin?.split ?? null,
    queryDatasetIndex: queryOrigin?.index ?? null,
    queryLabel: result.query.label,
    rank: hit.rank,
    ...itemColumns(hit.id, items.get(hit.id)),
    label: hit.label,
    score: hit.score,
    relevant: hit.relevant,
    modelId: result.run.modelId,
    modelInput: result.run.input,
    indexSize: result.indexSize,
  }));
}

/** Saves rows as CSV (columns in the first row's order, union of all keys) or as JSON with a header object. */
export function saveRows(
  title: string,
  format: 'csv' | 'json',
  rows: readonly Record<string, Cell>[],
  header: Record<string, unknown>,
): void {
  const name = `${slug(title)}.${format}`;
  if (format === 'json') {
    saveJson(name, { ...header, exportedAt: new Date().toISOString(), rows });
    return;
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  saveText(
    name,
    toCsv(
      columns,
      rows.map((row) => columns.map((column) => row[column])),
    ),
    'text/csv',
  );
}
