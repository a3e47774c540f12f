import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { clearMessages, download, goTo, PNG_SIGNATURE, screenshot, useSharedPage } from '../helpers/app.js';
import { MEDNIST, pickFromLibrary, runEvaluation, useDemoKeyAndShippedModel } from '../helpers/flows.js';
import { DATA_DIR } from '../helpers/paths.js';

/**
 * Research-grade exports on real MedNIST images: the batch classification CSV carries a stable item id, the source
 * (dataset, split, index), label, key fingerprint, model id and every class's raw probability; the retrieval CSV
 * carries the query with every hit; chart PNGs are drawn at twice the device pixels at least.
 */
test.describe.configure({ mode: 'serial' });
test.skip(!existsSync(join(DATA_DIR, 'MedNIST.tar.gz')), `MedNIST.tar.gz is not in ${DATA_DIR}`);

const sharedPage = useSharedPage();
let page: Page;
const DEMO_FINGERPRINT = /^[0-9a-f]{16}$/;

test.beforeAll(() => {
  page = sharedPage();
});

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  const [header, ...rows] = records;
  return rows.map((row) => Object.fromEntries(header!.map((name, index) => [name, row[index] ?? ''])));
}

test('the batch CSV has stable ids, sources, keys, the model and raw probabilities', async () => {
  await useDemoKeyAndShippedModel(page, MEDNIST);
  const library = await goTo(page, 'Library');
  const panel = library.getByTestId('dataset-import-panel');
  await panel.getByTestId('dataset-name').selectOption(MEDNIST.id);
  await panel.getByTestId('dataset-per-class').fill('3');
  await panel.getByTestId('dataset-per-class').blur();
  await panel.getByTestId('dataset-import').click();
  await expect(panel.getByTestId('dataset-import')).toBeEnabled({ timeout: 150_000 });
  await clearMessages(page);

  const classify = await goTo(page, 'Classify');
  await classify.getByTestId('batch-class').selectOption('Hand');
  await classify.getByTestId('batch-run').click();
  const table = classify.getByTestId('batch-table');
  await expect(table.locator('tbody tr').first()).toBeVisible({ timeout: 150_000 });
  const shownRows = await table.locator('tbody tr').count();

  const file = await download(page, table.getByRole('button', { name: 'CSV', exact: true }));
  expect(file.name).toMatch(/^batch-classification-.+\.csv$/);
  const rows = parseCsv(file.bytes.toString('utf8'));
  expect(rows).toHaveLength(shownRows);
  const ids = rows.map((row) => row['itemId']!);
  expect(new Set(ids).size, 'every row has its own item id').toBe(rows.length);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  // Earlier specs may have added Hand images of other origins (an upload, a PACS series): they carry their own
  // source; the sample's images say dataset, split and index.
  const sampleRows = rows.filter((row) => row['split'] !== '');
  expect(sampleRows.length).toBeGreaterThanOrEqual(3);
  for (const row of sampleRows) {
    expect(row['source']).toMatch(/test split, .+ #\d+$/);
    expect(row['split']).toBe('test');
    expect(row['datasetIndex']).toMatch(/^\d+$/);
  }
  for (const row of rows) {
    expect(row['label']).toBe('Hand');
    expect(row['keyFingerprint']).toMatch(DEMO_FINGERPRINT);
    expect(row['modelId']).toMatch(/mednist/i);
    expect(row['source'], 'every row says where its image came from').not.toBe('');
    const probabilities = MEDNIST.classes.map((name) => Number(row[`p_${name}`]));
    for (const p of probabilities) expect(p).toBeGreaterThanOrEqual(0);
    expect(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
    // The top probability is the raw number behind the prediction, not a rounded percentage.
    expect(Number(row['probability'])).toBe(Math.max(...probabilities));
    expect(row['predicted']).toBe(MEDNIST.classes[probabilities.indexOf(Math.max(...probabilities))]);
  }
  // Unrounded: the small probabilities carry many significant digits (a "34.3%" text would not).
  const digits = rows.flatMap((row) =>
    MEDNIST.classes.map((name) => (row[`p_${name}`] ?? '').replace(/^0\.0*|e-\d+$/g, '').length),
  );
  expect(Math.max(...digits)).toBeGreaterThanOrEqual(6);

  const json = await download(page, table.getByRole('button', { name: 'JSON', exact: true }));
  const parsed = JSON.parse(json.bytes.toString('utf8')) as {
    kind: string;
    classes: string[];
    rows: { itemId: string }[];
  };
  expect(parsed.kind).toBe('classify-batch');
  expect(parsed.classes).toEqual(expect.arrayContaining([...MEDNIST.classes]));
  expect(parsed.rows.map((row) => row.itemId)).toEqual(ids);
});

test('the retrieval CSV carries the query with every hit', async () => {
  const retrieve = await goTo(page, 'Retrieve');
  await pickFromLibrary(page, 'retrieve-source', 'Hand');
  const table = retrieve.getByTestId('retrieve-table');
  await expect(table.locator('tbody tr')).toHaveCount(10, { timeout: 150_000 });
  const file = await download(page, table.getByRole('button', { name: 'CSV', exact: true }));
  const rows = parseCsv(file.bytes.toString('utf8'));
  expect(rows).toHaveLength(10);
  const queryIds = new Set(rows.map((row) => row['queryId']));
  expect(queryIds.size).toBe(1);
  const [queryId] = [...queryIds];
  expect(queryId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  expect(rows.map((row) => row['itemId'])).not.toContain(queryId);
  rows.forEach((row, index) => {
    expect(row['queryLabel']).toBe('Hand');
    // The query's origin (a MedNIST sample, or a PACS series an earlier spec imported), the same on every row.
    expect(row['querySource']).toMatch(/test split, .+ #\d+$|^PACS |upload/);
    expect(row['querySource']).toBe(rows[0]!['querySource']);
    expect(Number(row['rank'])).toBe(index + 1);
    expect(row['itemId']).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(row['keyFingerprint']).toMatch(DEMO_FINGERPRINT);
    expect(Number(row['score'])).toBeGreaterThan(-1);
    expect(Number(row['score'])).toBeLessThanOrEqual(1.000001);
  });
  // Scores in file order are the ranking, unrounded.
  const scores = rows.map((row) => Number(row['score']));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  expect(rows.some((row) => (row['score'] ?? '').length > 8)).toBe(true);
});

test('chart PNGs are drawn at twice the device pixels at least', async () => {
  await runEvaluation(page);
  const evaluate = await goTo(page, 'Evaluate');
  for (const testId of ['pr-curve', 'confusion-matrix']) {
    const panel = evaluate.getByTestId(testId);
    const canvas = panel.locator('canvas').first();
    const cssWidth = await canvas.evaluate((node) => (node as HTMLCanvasElement).clientWidth);
    const file = await download(page, panel.getByRole('button', { name: 'PNG', exact: true }));
    expect(file.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // IHDR: width and height are the big-endian words at bytes 16 and 20.
    expect(file.bytes.readUInt32BE(16), `${testId} PNG width`).toBeGreaterThanOrEqual(2 * cssWidth);
    // The chart on screen went back to the screen's ratio.
    const screenWidth = await canvas.evaluate((node) => (node as HTMLCanvasElement).width);
    expect(screenWidth).toBeLessThan(2 * cssWidth);
  }
});

test('Evaluate says what it ran on, and warns when images of the training split are included', async () => {
  const evaluate = await goTo(page, 'Evaluate');
  await expect(evaluate.getByTestId('evaluate-provenance')).toContainText(/MedNIST test split, \d+ images/);
  await expect(evaluate.getByTestId('evaluate-training-warning')).toHaveCount(0);

  const library = await goTo(page, 'Library');
  const panel = library.getByTestId('dataset-import-panel');
  await panel.getByTestId('dataset-name').selectOption(MEDNIST.id);
  await panel.getByLabel('Split').selectOption('train');
  await panel.getByTestId('dataset-per-class').fill('1');
  await panel.getByTestId('dataset-per-class').blur();
  await panel.getByTestId('dataset-import').click();
  await expect(panel.getByTestId('dataset-import')).toBeEnabled({ timeout: 150_000 });
  await expect(panel.getByTestId('import-summary')).toContainText(/\d+ imported/);
  await panel.getByLabel('Split').selectOption('test');
  await clearMessages(page);

  await runEvaluation(page);
  const report = page.locator('.view[data-view="evaluate"]');
  await expect(report.getByTestId('evaluate-provenance')).toContainText('MedNIST train split, 6 images');
  await expect(report.getByTestId('evaluate-training-warning')).toContainText(
    /^6 of the \d+ images come from the training split of /,
  );
  await screenshot(page, 'evaluate-provenance', 900);
});
