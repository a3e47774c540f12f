import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { clearMessages, goTo } from './app.js';
import type { ImportFolder } from './fixtures.js';
import { REPO_ROOT, SCREENSHOT_DIR } from './paths.js';

/**
 * The steps of the main flow, shared by the browser and the Electron projects so both hosts are held
 * to the same behaviour.
 */

/** A bundled dataset as the flows use it: the name the UI shows and the classes it has. */
export interface DatasetUnderTest {
  id: 'mednist' | 'mnist';
  title: string;
  classes: readonly string[];
}

export const MEDNIST: DatasetUnderTest = {
  id: 'mednist',
  title: 'MedNIST',
  classes: ['AbdomenCT', 'BreastMRI', 'CXR', 'ChestCT', 'Hand', 'HeadCT'],
};

export const MNIST: DatasetUnderTest = {
  id: 'mnist',
  title: 'MNIST',
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
};

export async function generateKey(page: Page, label: string): Promise<string> {
  const settings = await goTo(page, 'Settings');
  const before = (await page.getByTestId('active-key').textContent()) ?? '';
  await settings.getByTestId('key-label').fill(label);
  await settings.getByTestId('key-generate').click();
  await expect(page.getByTestId('message-success').first()).toContainText('New key generated');
  const badge = page.getByTestId('active-key');
  await expect(badge).not.toHaveText(before);
  await expect(badge).toHaveText(/^Key [0-9a-f]{16}$/);
  const fingerprint = ((await badge.textContent()) ?? '').replace('Key ', '');
  await expect(settings.locator(`[data-fingerprint="${fingerprint}"]`)).toContainText('active');
  // A key is 32 bytes: neither its hex (64 digits) nor its base64 (44 characters) may appear anywhere.
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/\b[0-9a-f]{64}\b/);
  expect(text).not.toMatch(/[A-Za-z0-9+/]{43}=/);
  await clearMessages(page);
  return fingerprint;
}

/** Imports through the given file input (folder picker or file picker) and checks the grid. */
export async function importFolder(
  page: Page,
  folder: ImportFolder,
  files: string | string[],
  inputTestId: string,
): Promise<void> {
  const library = await goTo(page, 'Library');
  await library.getByTestId(inputTestId).setInputFiles(files);
  await expect(library.getByTestId('file-import').getByTestId('import-summary')).toContainText(
    `${folder.total} imported`,
    {
      timeout: 60_000,
    },
  );
  await expect(library.getByTestId('skipped-files')).toHaveCount(0);

  const classFilter = library.getByTestId('class-filter');
  for (const [name, names] of Object.entries(folder.classes)) {
    await expect(classFilter.locator('option', { hasText: `${name} (${names.length})` })).toHaveCount(1);
  }
  const tiles = library.getByTestId('library-grid').getByTestId('grid-tile');
  await expect(tiles).toHaveCount(folder.total);
  // The key holder sees the plain image next to the stored cipher image.
  const first = tiles.first();
  await expect(first.locator('img[alt$="encrypted"]')).toHaveAttribute('src', /^data:image\/png;base64,/);
  await expect(first.locator('img[alt$="decrypted"]')).toHaveAttribute('src', /^data:image\/png;base64,/);

  // DICOM files arrive windowed from 16 bits, with the conversion recorded.
  const dicomCount = folder.classes['DicomCT']?.length ?? 0;
  await classFilter.selectOption('DicomCT');
  await expect(tiles).toHaveCount(dicomCount);
  await tiles.first().press('Enter');
  const dialog = page.getByTestId('dialog');
  await expect(dialog).toContainText(/DICOM|\.dcm/i);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await classFilter.selectOption('');
  await expect(tiles).toHaveCount(folder.total);
}

export async function useDemoKeyAndShippedModel(page: Page, dataset: DatasetUnderTest): Promise<void> {
  const settings = await goTo(page, 'Settings');
  const demoRow = settings.getByTestId('key-row').filter({ hasText: 'PUBLIC demo key' });
  await expect(demoRow, 'the host offers the public demo key').toHaveCount(1);
  const useKey = demoRow.getByRole('button', { name: 'Use this key' });
  if ((await useKey.count()) > 0) await useKey.click();
  await expect(page.getByTestId('active-key')).toContainText('public demo');

  const candidates = settings
    .getByTestId('model-row')
    .filter({ hasText: new RegExp(`^${dataset.id}\\b`, 'i') })
    .filter({ hasText: 'arnold+xor' });
  // The paper's architecture when it is shipped, else whichever encrypted model is.
  const dcnn = candidates.filter({ hasText: '· dcnn ·' });
  const model = (await dcnn.count()) > 0 ? dcnn.first() : candidates.first();
  await expect(model, `a shipped ${dataset.title} arnold+xor model in resources/models`).toHaveCount(1);
  const useModel = model.getByRole('button', { name: 'Use this model' });
  if ((await useModel.count()) > 0) await useModel.click();
  await expect(model).toContainText('active');
  await expect(model).toContainText('fits the active key');
  await clearMessages(page);
}

export async function importDatasetSample(
  page: Page,
  dataset: DatasetUnderTest,
  perClass: number,
): Promise<void> {
  const library = await goTo(page, 'Library');
  const panel = library.getByTestId('dataset-import-panel');
  await panel.getByTestId('dataset-name').selectOption(dataset.id);
  await panel.getByTestId('dataset-per-class').fill(String(perClass));
  await panel.getByTestId('dataset-per-class').blur();
  await panel.getByTestId('dataset-import').click();
  await expect(panel.getByTestId('job-progress').or(panel.getByTestId('import-summary'))).toBeVisible();
  // Every image of the sample is in the workspace afterwards: imported now, or already there (an earlier spec
  // imported the same picture — duplicates are recognised by content, whatever the conversion options).
  const summary = panel.getByTestId('import-summary');
  await expect(summary).toContainText(/\d+ imported/, { timeout: 150_000 });
  const text = (await summary.textContent()) ?? '';
  const imported = Number(/(\d+) imported/.exec(text)?.[1] ?? 0);
  const already = Number(/(\d+) already in the workspace/.exec(text)?.[1] ?? 0);
  expect(imported + already, text).toBe(perClass * dataset.classes.length);
  // The class filter counts every image of the workspace (earlier specs may have imported some): at least these.
  const option = library
    .getByTestId('class-filter')
    .locator('option', { hasText: `${dataset.classes[0]} (` });
  await expect(option).toHaveCount(1);
  const count = Number(/\((\d+)\)/.exec((await option.textContent()) ?? '')?.[1] ?? 0);
  expect(count).toBeGreaterThanOrEqual(perClass);
  await clearMessages(page);
}

/** Opens the library picker of a source control and picks the first image of a class. */
export async function pickFromLibrary(page: Page, sourceTestId: string, className: string): Promise<void> {
  await page.getByTestId(`${sourceTestId}-library`).click();
  const dialog = page.getByTestId('dialog');
  // Option values are the class names themselves.
  await dialog.locator('select').selectOption(className);
  const tile = dialog.getByTestId('grid-tile').first();
  await expect(tile.locator('.tile-title')).toHaveText(className);
  await tile.click();
  await expect(dialog).toHaveCount(0);
}

export async function classifyOne(page: Page, className: string): Promise<void> {
  const classify = await goTo(page, 'Classify');
  await pickFromLibrary(page, 'classify-source', className);
  const result = classify.getByTestId('classify-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  const rows = result.getByTestId('predictions').locator('li');
  expect(await rows.count()).toBeGreaterThanOrEqual(3);
  await expect(rows.first()).toContainText('%');
  await expect(result).toContainText(/Correct|Wrong/);
  await expect(result).toContainText(/Model .+ on \S+/);
}

export async function classifyBatch(page: Page, minimumAccuracyPercent: number): Promise<void> {
  const classify = await goTo(page, 'Classify');
  await classify.getByTestId('batch-run').click();
  await expect(classify.getByTestId('batch-accuracy')).toBeVisible({ timeout: 150_000 });
  const accuracy = await classify.getByTestId('batch-accuracy').locator('.stat-value').textContent();
  expect(Number.parseFloat(accuracy ?? '0'), 'shipped model accuracy on the labelled images').toBeGreaterThan(
    minimumAccuracyPercent,
  );
  await expect(classify.getByTestId('batch-table').locator('tbody tr').first()).toBeVisible();
}

export async function retrieveTopK(page: Page, className: string): Promise<void> {
  const retrieve = await goTo(page, 'Retrieve');
  await pickFromLibrary(page, 'retrieve-source', className);
  const tiles = retrieve.getByTestId('retrieve-grid').getByTestId('grid-tile');
  await expect(tiles).toHaveCount(10, { timeout: 150_000 });
  await expect(tiles.first()).toContainText(/similarity -?\d\.\d{4}/);
  await expect(retrieve.getByTestId('precision-at-k')).toContainText('%');
  await expect(retrieve.locator('.grid-tile.tone-match').first()).toBeVisible();
}

/** A new k replaces the grid; the toggle swaps decrypted and encrypted thumbnails. */
export async function changeRetrievalView(page: Page): Promise<void> {
  const retrieve = await goTo(page, 'Retrieve');
  const tiles = retrieve.getByTestId('retrieve-grid').getByTestId('grid-tile');
  const k = retrieve.getByTestId('retrieve-k');
  await k.fill('5');
  await k.press('Tab');
  await expect(tiles).toHaveCount(5);
  // The toggle redraws the results in place: the reader stays where they were on the page.
  // Scroll so the toggle sits at the top of the window (a click then needs no scrolling of its own).
  const main = page.locator('.main');
  await retrieve
    .getByTestId('retrieve-decrypted')
    .evaluate((node) => node.scrollIntoView({ block: 'start' }));
  const scrolled = await main.evaluate((node) => node.scrollTop);
  expect(scrolled, 'the Retrieve view is scrolled down to the toggle').toBeGreaterThan(0);
  await retrieve.getByTestId('retrieve-decrypted').uncheck();
  await expect(tiles.first()).toContainText('encrypted');
  expect(await main.evaluate((node) => node.scrollTop)).toBe(scrolled);
  await retrieve.getByTestId('retrieve-decrypted').check();
  await expect(tiles.first()).toContainText('plain');
  expect(await main.evaluate((node) => node.scrollTop)).toBe(scrolled);
}

export async function runEvaluation(page: Page): Promise<void> {
  const evaluate = await goTo(page, 'Evaluate');
  await evaluate.getByTestId('evaluate-run').click();
  await expect(evaluate.getByTestId('metric-weighted-f1')).toBeVisible({ timeout: 180_000 });
  await expect(evaluate.getByTestId('metric-map').locator('.stat-value')).toHaveText(/^[01]\.\d{4}$/);
  await expect(evaluate.getByTestId('per-class-table').locator('tbody tr').first()).toBeVisible();
  await expect(evaluate.getByTestId('pr-curve').locator('canvas')).toBeVisible();
}

export async function openDiagonalCell(page: Page): Promise<void> {
  const evaluate = await goTo(page, 'Evaluate');
  // Click the top-left (first diagonal) cell of the heat map, where a person would.
  const matrix = evaluate.getByTestId('confusion-matrix');
  const canvas = matrix.locator('canvas');
  await expect(canvas).toHaveAttribute('data-plot-area', /\d/);
  const [left = 0, top = 0, width = 0, height = 0] = ((await canvas.getAttribute('data-plot-area')) ?? '')
    .split(',')
    .map(Number);
  const labels = JSON.parse((await matrix.getAttribute('data-labels')) ?? '[]') as string[];
  await canvas.click({
    position: { x: left + width / labels.length / 2, y: top + height / labels.length / 2 },
  });
  const first = labels[0] ?? '';
  const cellGrid = evaluate.getByTestId('cell-grid');
  await expect(cellGrid).toContainText(`Actual ${first}, predicted ${first}`);
  const heading = (await cellGrid.locator('h3').textContent()) ?? '';
  const count = Number(/: (\d+) image/.exec(heading)?.[1]);
  const tableCell = matrix.getByTestId('confusion-table').locator('tbody tr').first().locator('td').first();
  expect(count).toBe(Number(await tableCell.textContent()));
  await expect(cellGrid.getByTestId('grid-tile')).toHaveCount(count);
  // The cell's images narrow by name: the first tile's own name leaves at least that tile, and nonsense none.
  const filters = evaluate.getByTestId('cell-filters');
  await expect(filters.getByTestId('cell-filters-count')).toHaveText(`${count} of ${count} images shown`);
  await filters.getByTestId('cell-filters-text').fill('no-such-image-name');
  await expect(filters.getByTestId('cell-filters-count')).toHaveText(`0 of ${count} images shown`);
  await expect(cellGrid.getByTestId('grid-tile')).toHaveCount(0);
  await filters.getByTestId('cell-filters-text').fill('');
  await expect(cellGrid.getByTestId('grid-tile')).toHaveCount(count);
}

/** Committed study results per budget, told apart the way the app does: by the budget stored in each file. */
function committedStudyResults(): { quick: number; full: number } {
  const dir = join(REPO_ROOT, 'study', 'results');
  const counts = { quick: 0, full: 0 };
  if (!existsSync(dir)) return counts;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json') || name.startsWith('security-')) continue;
    const { budget } = (
      JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
        configuration: { budget: { epochs: number; maxTrain: number | null } };
      }
    ).configuration;
    if (budget.maxTrain === null && budget.epochs === 8) counts.full += 1;
    else if (budget.maxTrain === 10_000 && budget.epochs === 2) counts.quick += 1;
  }
  return counts;
}

/** The study table, when study/results holds runs: one budget at a time, a row opens its confusion matrix. */
export async function openAblationConfiguration(page: Page): Promise<void> {
  const ablation = page.getByTestId('ablation');
  const rows = ablation.locator('tr.clickable');
  const committed = committedStudyResults();
  if (committed.quick + committed.full === 0) {
    await expect(ablation.getByTestId('empty-state')).toContainText('No study results yet');
    return;
  }
  // Each budget shows its whole grid, finished or "missing", never mixed: quick 2 × 17 configurations, full
  // 2 × 21 (it adds the uniform permutation + XOR for every architecture).
  const gridSize = { quick: 34, full: 42 };
  const shown = committed.full > 0 ? 'full' : 'quick';
  await expect(ablation.getByTestId('ablation-budget')).toHaveValue(shown);
  await expect(ablation.getByTestId('ablation-budget-note')).toContainText(
    `${committed[shown]} of ${gridSize[shown]} configurations finished`,
  );
  await expect(rows).toHaveCount(gridSize[shown]);
  await expectNoSidewaysScroll(ablation.getByTestId('ablation-mnist'));
  // How finely the test split tells rows apart, from the finished rows' accuracy intervals (MNIST: 10,000 images).
  await expect(ablation.getByTestId('ablation-mnist')).toContainText(
    /Accuracy over 10,000 test images, 95 % intervals from 0\.\d{4}–0\.\d{4} at 0\.\d{4} to /,
  );
  await expect(rows.filter({ hasText: 'open' })).toHaveCount(committed[shown]);
  await ablation.getByTestId('ablation-budget').selectOption('quick');
  await expect(ablation.getByTestId('ablation-budget-note')).toContainText(
    '10,000-image stratified training sample',
  );
  await expect(rows.filter({ hasText: 'open' })).toHaveCount(committed.quick);
  await ablation.getByTestId('ablation-budget').selectOption(shown);
  await expect(rows.filter({ hasText: 'open' })).toHaveCount(committed[shown]);
  await ablation.screenshot({ path: join(SCREENSHOT_DIR, 'evaluate-ablation.png') });
  const openable = rows.filter({ hasText: 'open' }).first();
  await openable.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('dialog');
  await expect(dialog.getByTestId('study-matrix').locator('canvas')).toBeVisible();
  await expect(dialog.getByTestId('study-run')).toContainText(
    /trained \d+ epochs? in .+ on \S+ \(.+ × \d+\)/i,
  );
  await expect(dialog.getByTestId('study-run')).toContainText(
    /Accuracy 0\.\d{4} \(95 % interval 0\.\d{4}–0\.\d{4}, [\d,]+ test images\)/,
  );
  await expect(dialog.locator('.table-panel tbody tr').first()).toBeVisible();
  if (shown === 'full') {
    // The full study keeps per-image outcomes: the first MNIST row (plain dcnn) is tested against every
    // condition of its table, and the CNN's losses under the cipher are resolved by the test split.
    const paired = dialog.getByTestId('study-paired-tests');
    await expect(paired).toContainText("McNemar's exact test");
    await expect(paired.locator('tbody tr')).toHaveCount(4);
    await expect(paired.locator('tbody')).toContainText('significant');
    await paired.scrollIntoViewIfNeeded();
    await paired.screenshot({ path: join(SCREENSHOT_DIR, 'evaluate-ablation-paired.png') });
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
}

/** A table that fits its panel: every column visible without scrolling sideways (checked at the suite's 1280 px). */
async function expectNoSidewaysScroll(panel: Locator): Promise<void> {
  const [needed, available] = await panel
    .locator('table')
    .evaluate((table) => [table.scrollWidth, (table.parentElement ?? table).clientWidth]);
  expect(needed, 'table width against the width it is given').toBeLessThanOrEqual(available! + 1);
}

export async function analyseSecurity(page: Page, className: string): Promise<void> {
  const security = await goTo(page, 'Security');
  await pickFromLibrary(page, 'security-source', className);
  await expect(security.getByTestId('histogram-plain').locator('canvas')).toBeVisible({ timeout: 60_000 });
  await expect(security.getByTestId('histogram-cipher').locator('canvas')).toBeVisible();
  for (const direction of ['horizontal', 'vertical', 'diagonal']) {
    await expect(security.getByTestId(`scatter-encrypted-${direction}`)).toContainText(/r = -?\d\.\d{4}/);
  }
  await expect(security.getByTestId('entropy-cipher')).toContainText(/\d\.\d{4} bits/);
  await expect(security.getByTestId('entropy-cipher')).toContainText('uniform noise of this size');
  const table = security.getByTestId('npcr-table');
  await expect(table.locator('tbody tr').first()).toContainText('%');
  await expect(table.locator('td.pass, td.fail').first()).toBeVisible();
  await expectNoSidewaysScroll(table);
  await table.screenshot({ path: join(SCREENSHOT_DIR, 'security-npcr.png') });
  // A fixed keystream cannot pass plaintext sensitivity, and the product must say so.
  await expect(security.getByTestId('verdict-plaintext-sensitivity')).toContainText('FAIL');
  await expect(security.getByTestId('threat-model')).toContainText('two-time pad');
}
