import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { clearMessages, goTo, screenshot, useSharedPage } from '../helpers/app.js';
import { MEDNIST, MNIST, pickFromLibrary, useDemoKeyAndShippedModel } from '../helpers/flows.js';
import { DATA_DIR } from '../helpers/paths.js';

/**
 * Filters on real MedNIST images, after a batch classification: in the Library (prediction, prediction ≠ label,
 * confidence, key, source; on the back end) and on the batch results (class, text); the counts follow in place.
 */
test.describe.configure({ mode: 'serial' });
test.skip(
  !existsSync(join(DATA_DIR, 'MedNIST.tar.gz')) || !existsSync(join(DATA_DIR, 'mnist')),
  `MedNIST.tar.gz or mnist/ is not in ${DATA_DIR}`,
);

const sharedPage = useSharedPage();
let page: Page;

test.beforeAll(() => {
  page = sharedPage();
});

const countOf = async (testId: string): Promise<[number, number]> => {
  const text = (await page.getByTestId(`${testId}-count`).textContent()) ?? '';
  const match = /^(\d+) of (\d+)/.exec(text);
  if (!match) throw new Error(`no count in "${text}"`);
  return [Number(match[1]), Number(match[2])];
};

test('the batch results filter by class and text, and say how many are shown', async () => {
  await useDemoKeyAndShippedModel(page, MEDNIST);
  const library = await goTo(page, 'Library');
  const panel = library.getByTestId('dataset-import-panel');
  await panel.getByTestId('dataset-name').selectOption(MEDNIST.id);
  await panel.getByTestId('dataset-per-class').fill('4');
  await panel.getByTestId('dataset-per-class').blur();
  await panel.getByTestId('dataset-import').click();
  await expect(panel.getByTestId('dataset-import')).toBeEnabled({ timeout: 150_000 });
  // MNIST digits under the MedNIST model: their predictions can never be their labels.
  await panel.getByTestId('dataset-name').selectOption(MNIST.id);
  await panel.getByTestId('dataset-per-class').fill('1');
  await panel.getByTestId('dataset-per-class').blur();
  await panel.getByTestId('dataset-import').click();
  await expect(panel.getByTestId('dataset-import')).toBeEnabled({ timeout: 150_000 });
  await clearMessages(page);

  const classify = await goTo(page, 'Classify');
  await classify.getByTestId('batch-run').click();
  const table = classify.getByTestId('batch-table');
  await expect(table.locator('tbody tr').first()).toBeVisible({ timeout: 150_000 });
  const [shown, total] = await countOf('batch-filters');
  expect(shown).toBe(total);
  expect(await table.locator('tbody tr').count()).toBe(total);

  await classify.getByTestId('batch-filters-class').selectOption('Hand');
  await expect.poll(async () => (await countOf('batch-filters'))[0]).toBeLessThan(total);
  const [hands] = await countOf('batch-filters');
  await expect(table.locator('tbody tr')).toHaveCount(hands);
  for (const label of await table.locator('tbody tr td:nth-child(2)').allInnerTexts())
    expect(label).toBe('Hand');
  await classify.getByTestId('batch-filters').scrollIntoViewIfNeeded();
  await screenshot(page, 'batch-filters', 1000);

  // Text narrows further: one image by its name.
  const name = (await table.locator('tbody tr td:nth-child(1)').first().innerText()).trim();
  await classify.getByTestId('batch-filters-text').fill(name);
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(classify.getByTestId('batch-filters-count')).toHaveText(`1 of ${total} results shown`);
  await classify.getByTestId('batch-filters-clear').click();
  await expect(table.locator('tbody tr')).toHaveCount(total);
});

test('the Library filters by prediction ≠ label, confidence, key and source', async () => {
  const library = await goTo(page, 'Library');
  const filters = library.getByTestId('library-filters');
  const tiles = library.getByTestId('library-grid').getByTestId('grid-tile');
  await expect(tiles.first()).toBeVisible();
  const [, total] = await countOf('library-filters');

  await filters.getByTestId('library-filters-origin').selectOption('dataset:mednist:test');
  await expect.poll(async () => (await countOf('library-filters'))[0]).toBeGreaterThan(0);
  for (const title of await tiles.locator('.tile-detail').allInnerTexts()) {
    if (title.endsWith('.png')) expect(title).toMatch(/^mednist-test-\d+\.png$/);
  }

  await filters.getByTestId('library-filters-confidence-min').fill('99');
  await filters.getByTestId('library-filters-confidence-min').press('Tab');
  await expect.poll(async () => (await countOf('library-filters'))[0]).toBeLessThanOrEqual(total);
  // Every shown tile has a prediction of at least 99 % (the tile rounds to whole per cent).
  for (const detail of await tiles.locator('.tile-detail').allInnerTexts()) {
    const match = /→ .+ (\d+)%$/.exec(detail);
    if (match) expect(Number(match[1])).toBeGreaterThanOrEqual(99);
  }
  await filters.getByTestId('library-filters-confidence-min').fill('');
  await filters.getByTestId('library-filters-confidence-min').press('Tab');

  // The digits are all mispredicted under the MedNIST model.
  await filters.getByTestId('library-filters-origin').selectOption('dataset:mnist:test');
  await filters.getByTestId('library-filters-mismatch').check();
  await expect.poll(async () => (await countOf('library-filters'))[0]).toBeGreaterThanOrEqual(10);
  const [wrong] = await countOf('library-filters');
  await expect(tiles).toHaveCount(Math.min(wrong, 48));
  expect(await library.locator('.grid-tile:not(.tone-miss)').count()).toBe(0);
  await tiles.first().scrollIntoViewIfNeeded();
  await screenshot(page, 'library-filters', 1000);
  await filters.getByTestId('library-filters-mismatch').uncheck();
  await filters.getByTestId('library-filters-origin').selectOption('');

  await filters.getByTestId('library-filters-key').selectOption('other');
  const [other] = await countOf('library-filters');
  if (other === 0)
    await expect(library.getByTestId('empty-state')).toContainText('No images match these filters');
  else for (const detail of await tiles.allInnerTexts()) expect(detail).toContain('other key');
  await filters.getByTestId('library-filters-clear').click();
  await expect.poll(async () => (await countOf('library-filters'))[0]).toBe(total);
});

test('the retrieval results filter by class, and say how many are shown', async () => {
  const retrieve = await goTo(page, 'Retrieve');
  await pickFromLibrary(page, 'retrieve-source', 'Hand');
  const tiles = retrieve.getByTestId('retrieve-grid').getByTestId('grid-tile');
  await expect(tiles).toHaveCount(10, { timeout: 150_000 });
  await expect(retrieve.getByTestId('retrieve-filters-count')).toHaveText('10 of 10 results shown');
  const titles = await tiles.locator('.tile-title').allInnerTexts();
  const hands = titles.filter((title) => / Hand$/.test(title)).length;
  await retrieve.getByTestId('retrieve-filters-class').selectOption('Hand');
  await expect(tiles).toHaveCount(hands);
  await expect(retrieve.getByTestId('retrieve-filters-count')).toHaveText(`${hands} of 10 results shown`);
  await expect(retrieve.getByTestId('retrieve-table').locator('tbody tr')).toHaveCount(hands);
  for (const title of await tiles.locator('.tile-title').allInnerTexts()) expect(title).toMatch(/ Hand$/);
  await retrieve.getByTestId('retrieve-filters-clear').click();
  await expect(tiles).toHaveCount(10);
});
