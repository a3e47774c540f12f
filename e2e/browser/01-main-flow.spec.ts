import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import {
  download,
  goTo,
  openApp,
  PNG_SIGNATURE,
  screenshot,
  scratchDir,
  view,
  watchPageErrors,
} from '../helpers/app.js';
import { type ImportFolder, makeImportFolder } from '../helpers/fixtures.js';
import {
  analyseSecurity,
  classifyBatch,
  classifyOne,
  changeRetrievalView,
  openAblationConfiguration,
  openDiagonalCell,
  runEvaluation,
  generateKey,
  importFolder,
  importDatasetSample,
  MEDNIST,
  retrieveTopK,
  useDemoKeyAndShippedModel,
} from '../helpers/flows.js';
import { DATA_DIR } from '../helpers/paths.js';

/**
 * The main flow a radiologist follows, on real data, in one page: key → import a folder (PNG + DICOM)
 * → encrypted thumbnails → MedNIST sample → classify → retrieve → evaluate → security.
 */
test.describe.configure({ mode: 'serial' });

const MEDNIST_PER_CLASS = 20;

let page: Page;
let pageProblems: string[];
let folder: ImportFolder;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  pageProblems = watchPageErrors(page);
  folder = await makeImportFolder(join(scratchDir(), 'main-flow'));
  await openApp(page);
});

test.afterAll(async () => {
  await page.close();
});

test.afterEach(() => {
  expect(pageProblems, 'no page errors or CSP violations').toEqual([]);
});

test('an empty workspace says what to do', async () => {
  await expect(view(page, 'Library').getByTestId('empty-state')).toContainText(
    'No images yet — import a folder or a MedNIST sample',
  );
  await screenshot(page, 'library-empty');
});

test('generates a key and shows only its fingerprint', async () => {
  await generateKey(page, 'e2e key');
});

test('imports a folder of PNG and DICOM images and shows them encrypted', async () => {
  await importFolder(page, folder, folder.root, 'import-folder-input');
  await screenshot(page, 'library-import');
});

test('arrow keys move through the grid and Enter opens an image', async () => {
  const tiles = view(page, 'Library').getByTestId('library-grid').getByTestId('grid-tile');
  await tiles.first().focus();
  await page.keyboard.press('ArrowRight');
  await expect(tiles.nth(1)).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(tiles.first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('dialog')).toBeVisible();
  await screenshot(page, 'library-item');
  await page.keyboard.press('Escape');
  await expect(tiles.first()).toBeFocused();
});

test('switches to the public demo key and the shipped MedNIST model', async () => {
  await useDemoKeyAndShippedModel(page, MEDNIST);
});

/** Tables export as CSV and JSON, charts and grids as PNG: the files are checked, not only the clicks. */
async function checkExports(): Promise<void> {
  const evaluate = view(page, 'Evaluate');
  const perClass = evaluate.getByTestId('per-class-table');
  const csv = await download(page, perClass.getByRole('button', { name: 'CSV' }));
  expect(csv.name).toBe('per-class-metrics.csv');
  expect(csv.bytes.toString('utf8')).toMatch(/^Class,Precision,Recall,F1,Support\r\n/);
  expect(csv.bytes.toString('utf8')).toContain('weighted avg');
  const json = await download(page, perClass.getByRole('button', { name: 'JSON' }));
  const rows = JSON.parse(json.bytes.toString('utf8')) as Record<string, unknown>[];
  expect(rows.length).toBe(MEDNIST.classes.length + 2);
  expect(typeof rows[0]?.['F1']).toBe('number');
  const matrix = evaluate.getByTestId('confusion-matrix');
  const png = await download(page, matrix.getByRole('button', { name: 'PNG' }));
  expect(png.name).toBe('confusion-matrix.png');
  expect(png.bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
}

test.describe('on a MedNIST sample', () => {
  test.skip(!existsSync(join(DATA_DIR, 'MedNIST.tar.gz')), `MedNIST.tar.gz is not in ${DATA_DIR}`);

  test('imports a MedNIST sample with a progress bar', async () => {
    await importDatasetSample(page, MEDNIST, MEDNIST_PER_CLASS);
    const library = view(page, 'Library');
    await library.getByTestId('class-filter').selectOption('CXR');
    await expect(library.getByTestId('library-grid').getByTestId('grid-tile').first()).toContainText('CXR');
    await library.getByTestId('library-grid').scrollIntoViewIfNeeded();
    await screenshot(page, 'library', 1000);
    await library.getByTestId('class-filter').selectOption('');
  });

  test('classifies one MedNIST image and a batch with the shipped model', async () => {
    await classifyOne(page, 'Hand');
    // The workspace also holds the drawn shapes under another key: the batch says so BEFORE it runs, and then
    // skips them rather than misclassifying them.
    const classify = view(page, 'Classify');
    await expect(classify.getByTestId('batch-class').locator('option').first()).toHaveText(
      /^All images under the active key \(\d+ of \d+\)$/,
    );
    await expect(classify.getByTestId('batch-scope')).toContainText('encrypted with another key');
    await classifyBatch(page, 90);
    await screenshot(page, 'classify', 1400);
  });

  test('retrieves the k most similar images with scores; a new k replaces the grid', async () => {
    await retrieveTopK(page, 'ChestCT');
    const grid = await download(
      page,
      view(page, 'Retrieve').getByTestId('retrieve-grid').getByRole('button', { name: 'PNG' }),
    );
    expect(grid.name).toBe('top-10-most-similar.png');
    expect(grid.bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    await screenshot(page, 'retrieve', 1250);
    await changeRetrievalView(page);
  });

  test('evaluates the model; a confusion-matrix cell opens exactly its images', async () => {
    await runEvaluation(page);
    await screenshot(page, 'evaluate', 1300);
    await checkExports();
    await openDiagonalCell(page);
    await screenshot(page, 'evaluate-cell');
    await openAblationConfiguration(page);
  });

  test('security analysis shows histograms, correlations, entropy and NPCR/UACI verdicts', async () => {
    await analyseSecurity(page, 'HeadCT');
    await screenshot(page, 'security', 3000);
  });

  test('settings show the key and model that produced these results', async () => {
    const settings = await goTo(page, 'Settings');
    await expect(settings.locator('[data-testid="model-row"].active')).toContainText('fits the active key');
    await screenshot(page, 'settings', 1500);
  });
});

test('the layout scales up on a 4K screen', async () => {
  await page.setViewportSize({ width: 3840, height: 2160 });
  // A fresh load, as a person on a 4K screen would open it: charts size their text when they are drawn.
  await page.reload();
  await goTo(page, 'Evaluate');
  await expect(view(page, 'Evaluate').getByTestId('confusion-matrix').locator('canvas')).toBeVisible();
  const rootFontSize = await page.evaluate(() =>
    Number.parseFloat(getComputedStyle(document.documentElement).fontSize),
  );
  expect(rootFontSize).toBeGreaterThan(20);
  await screenshot(page, 'evaluate-4k');
  await page.setViewportSize({ width: 1280, height: 800 });
});
