import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { clearMessages, goTo, useSharedPage } from '../helpers/app.js';
import { MEDNIST, MNIST, useDemoKeyAndShippedModel, type DatasetUnderTest } from '../helpers/flows.js';
import { DATA_DIR } from '../helpers/paths.js';

/**
 * Images a model was not made for: an MNIST digit under the MedNIST DCNN (the demo key's default model) is
 * marked "unlike anything this model was trained on", on the prediction and in the batch table; and every table
 * sorts by its headers.
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

/** The Library's sample import, without assuming the library was empty (earlier specs share the workspace). */
async function importSample(dataset: DatasetUnderTest, perClass: number): Promise<void> {
  const library = await goTo(page, 'Library');
  const panel = library.getByTestId('dataset-import-panel');
  await panel.getByTestId('dataset-name').selectOption(dataset.id);
  await panel.getByTestId('dataset-per-class').fill(String(perClass));
  await panel.getByTestId('dataset-per-class').blur();
  // The button stays disabled while the job runs, so an earlier import's summary is not mistaken for this one's.
  await panel.getByTestId('dataset-import').click();
  await expect(panel.getByTestId('dataset-import')).toBeEnabled({ timeout: 150_000 });
  await expect(panel.getByTestId('import-summary')).toContainText(/\d+ imported/);
  await clearMessages(page);
}

/** Picks, in the Classify picker, the first image of a class that the active key opens. */
async function classifyFirstOf(className: string) {
  const classify = await goTo(page, 'Classify');
  await page.getByTestId('classify-source-library').click();
  const dialog = page.getByTestId('dialog');
  await dialog.locator('select').selectOption(className);
  const tile = dialog
    .getByTestId('grid-tile')
    .filter({ has: page.locator('img[alt$="decrypted"]') })
    .first();
  await expect(tile.locator('.tile-title')).toHaveText(className);
  await tile.click();
  await expect(dialog).toHaveCount(0);
  const result = classify.getByTestId('classify-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  return result;
}

test('an MNIST digit under the MedNIST model is marked unlike anything it was trained on', async () => {
  await useDemoKeyAndShippedModel(page, MEDNIST);
  await expect(page.getByTestId('active-model')).toContainText(/MedNIST/);
  await importSample(MNIST, 1);
  await importSample(MEDNIST, 2);

  const digit = await classifyFirstOf('7');
  await expect(digit.getByTestId('ood-warning')).toContainText('Unlike anything this model was trained on');
  // The size mismatch keeps its own note.
  await expect(digit.locator('.conversion-details')).toContainText('28×28 resampled to 64×64');

  const scan = await classifyFirstOf('Hand');
  await expect(scan.getByTestId('ood-warning')).toHaveCount(0);
});

test('the batch table marks the digits and sorts by probability from its header', async () => {
  const classify = await goTo(page, 'Classify');
  await classify.getByTestId('batch-run').click();
  const table = classify.getByTestId('batch-table');
  await expect(table.locator('tbody tr').first()).toBeVisible({ timeout: 150_000 });
  await expect(classify.getByTestId('batch-ood-count')).toBeVisible();
  const digitRows = table.locator('tbody tr').filter({ hasText: /^mnist-/ });
  await expect(digitRows.first()).toBeVisible();
  await expect(
    table.locator('tbody tr').filter({ hasText: 'unlike anything this model was trained on' }).first(),
  ).toBeVisible();

  const header = table.getByRole('columnheader', { name: 'Probability' });
  const probabilities = async (): Promise<number[]> =>
    (await table.locator('tbody tr td:nth-child(4)').allInnerTexts()).map((text) => Number.parseFloat(text));
  const before = await probabilities();
  expect(before.length).toBeGreaterThan(2);
  const ascending = [...before].sort((a, b) => a - b);
  expect(before, 'the rows do not start sorted, so sorting must reorder them').not.toEqual(ascending);

  await expect(header).toHaveAttribute('aria-sort', 'none');
  await header.click();
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  expect(await probabilities()).toEqual(ascending);

  // Keyboard: Enter on the focused header flips the order.
  await header.focus();
  await page.keyboard.press('Enter');
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  expect(await probabilities()).toEqual([...ascending].reverse());
  await page.keyboard.press(' ');
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  await expect(table.getByRole('columnheader', { name: 'Image' })).toHaveAttribute('aria-sort', 'none');
});
