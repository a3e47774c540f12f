import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import { CipherLensError } from '../errors.js';
import type {
  AblationRowSchema,
  EvaluateAblationResponseSchema,
  EvaluateStudyConfigResponseSchema,
} from '../../shared/analysis.js';

type AblationRow = z.output<typeof AblationRowSchema>;
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The first path (dot separated) that leads to a value of the wanted kind. */
function pick<T>(root: unknown, paths: readonly string[], accept: (value: unknown) => value is T): T | null {
  for (const path of paths) {
    let value: unknown = root;
    for (const part of path.split('.')) value = isObject(value) ? value[part] : undefined;
    if (accept(value)) return value;
  }
  return null;
}
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isMatrix = (value: unknown): value is number[][] =>
  Array.isArray(value) && value.every((row) => Array.isArray(row) && row.every(isNumber));
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);

const CLASSIFICATION = [
  'classification',
  'test.classification',
  'metrics.classification',
  'results.classification',
];
const under = (prefixes: readonly string[], field: string): string[] => prefixes.map((p) => `${p}.${field}`);
const RETRIEVAL = [
  'retrieval.testVsTrain',
  'retrieval.test_vs_train',
  'retrieval.queryVsDatabase',
  'retrieval',
];

/**
 * One study result file → a table row. The study writes one JSON per configuration; fields are looked up
 * by the names the study uses (and a few aliases), and a metric that is absent stays null.
 */
function toRow(id: string, file: Json): AblationRow {
  const precisionAt10 =
    pick(file, [...under(RETRIEVAL, 'precisionAt10'), ...under(RETRIEVAL, 'p@10')], isNumber) ??
    pick(
      file,
      RETRIEVAL.map((p) => `${p}.atK`),
      (v): v is { k: number; precision: number }[] => Array.isArray(v),
    )?.find((entry) => isObject(entry) && entry.k === 10)?.precision ??
    null;
  return {
    id,
    dataset: pick(file, ['dataset', 'config.dataset', 'configuration.dataset'], isString) ?? 'unknown',
    condition:
      pick(file, ['condition', 'config.condition', 'configuration.condition'], isString) ?? 'unknown',
    architecture:
      pick(file, ['architecture', 'config.architecture', 'configuration.architecture'], isString) ??
      'unknown',
    accuracy: pick(file, under(CLASSIFICATION, 'accuracy'), isNumber),
    macroF1: pick(
      file,
      [...under(CLASSIFICATION, 'macroF1'), ...under(CLASSIFICATION, 'macro.f1')],
      isNumber,
    ),
    weightedF1: pick(
      file,
      [...under(CLASSIFICATION, 'weightedF1'), ...under(CLASSIFICATION, 'weighted.f1')],
      isNumber,
    ),
    mAP: pick(file, under(RETRIEVAL, 'mAP'), isNumber),
    precisionAt10: typeof precisionAt10 === 'number' ? precisionAt10 : null,
    hasConfusionMatrix: confusion(file) !== null,
  };
}

function confusion(file: Json): { labels: string[]; matrix: number[][]; perClass: unknown } | null {
  const matrix = pick(
    file,
    [...under(CLASSIFICATION, 'confusionMatrix'), ...under(CLASSIFICATION, 'matrix')],
    isMatrix,
  );
  const labels = pick(
    file,
    [...under(CLASSIFICATION, 'classes'), ...under(CLASSIFICATION, 'labels'), 'classes', 'config.classes'],
    isStrings,
  );
  if (!matrix || !labels || matrix.length !== labels.length) return null;
  return { labels, matrix, perClass: pick(file, under(CLASSIFICATION, 'perClass'), Array.isArray) };
}

async function readResults(
  dir: string | null,
): Promise<{ files: { id: string; json: Json }[]; problems: string[] }> {
  if (!dir) return { files: [], problems: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return { files: [], problems: [] };
  }
  const files: { id: string; json: Json }[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      const json: unknown = JSON.parse(await readFile(join(dir, name), 'utf8'));
      if (!isObject(json)) throw new Error('not a JSON object');
      files.push({ id: basename(name, '.json'), json });
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { files, problems };
}

export async function readStudyTable(
  dir: string | null,
): Promise<z.output<typeof EvaluateAblationResponseSchema>> {
  const { files, problems } = await readResults(dir);
  const rows = files.map((file) => toRow(file.id, file.json));
  return { available: rows.length > 0, rows, problems };
}

export async function readStudyConfig(
  dir: string | null,
  id: string,
): Promise<z.output<typeof EvaluateStudyConfigResponseSchema>> {
  const { files } = await readResults(dir);
  const file = files.find((f) => f.id === id);
  if (!file) throw new CipherLensError('NOT_FOUND', `no study result "${id}"`);
  const found = confusion(file.json);
  if (!found) throw new CipherLensError('NOT_FOUND', `study result "${id}" has no confusion matrix`);
  const perClass = Array.isArray(found.perClass)
    ? found.perClass
        .filter(isObject)
        .flatMap((entry) =>
          isString(entry.label) &&
          isNumber(entry.precision) &&
          isNumber(entry.recall) &&
          isNumber(entry.f1) &&
          isNumber(entry.support)
            ? [
                {
                  label: entry.label,
                  precision: entry.precision,
                  recall: entry.recall,
                  f1: entry.f1,
                  support: entry.support,
                },
              ]
            : [],
        )
    : [];
  return { row: toRow(file.id, file.json), labels: found.labels, matrix: found.matrix, perClass };
}
