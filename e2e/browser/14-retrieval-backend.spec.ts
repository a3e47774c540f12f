import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { clearMessages, goTo, screenshot, useSharedPage, view } from '../helpers/app.js';
import { importDatasetSample, MEDNIST, retrieveTopK, useDemoKeyAndShippedModel } from '../helpers/flows.js';
import { DATA_DIR } from '../helpers/paths.js';

/** Retrieve says which backend answered and how exact it is; Settings switches the backend (docs/retrieval.md). */
test.describe.configure({ mode: 'serial' });
test.skip(!existsSync(join(DATA_DIR, 'MedNIST.tar.gz')), `MedNIST.tar.gz is not in ${DATA_DIR}`);

const sharedPage = useSharedPage();
let page: Page;

test.beforeAll(() => {
  page = sharedPage();
});

async function chooseBackend(value: 'auto' | 'exact' | 'ann'): Promise<void> {
  const settings = await goTo(page, 'Settings');
  const panel = settings.getByTestId('retrieval-panel');
  await panel.getByTestId('retrieval-store').selectOption(value);
  await expect(panel.getByTestId('pgvector-url')).toBeHidden();
  await panel.getByTestId('retrieval-save').click();
  await expect(page.getByTestId('message-success').last()).toContainText(`backend ${value}`);
  await clearMessages(page);
}

test('the exact scan answers by default and says so', async () => {
  await useDemoKeyAndShippedModel(page, MEDNIST);
  await importDatasetSample(page, MEDNIST, 4);
  await retrieveTopK(page, 'ChestCT');
  const engine = view(page, 'Retrieve').getByTestId('retrieve-engine');
  await expect(engine).toContainText('Exact scan');
  await expect(engine).toContainText('float32; exact: every stored image compared');
  await expect(view(page, 'Retrieve').getByTestId('index-status')).toContainText('in Exact scan (float32)');
  await screenshot(page, 'retrieve-engine-exact', 1000);
});

test('switching to the HNSW graph in Settings answers from it, with its search breadth shown', async () => {
  await chooseBackend('ann');
  const settings = view(page, 'Settings');
  await settings.getByTestId('retrieval-panel').getByTestId('retrieval-store').selectOption('pgvector');
  await expect(settings.getByTestId('pgvector-url')).toBeVisible();
  await settings.getByTestId('retrieval-panel').scrollIntoViewIfNeeded();
  await screenshot(page, 'settings-retrieval');
  await settings.getByTestId('retrieval-panel').getByTestId('retrieval-store').selectOption('ann');

  await retrieveTopK(page, 'ChestCT');
  const engine = view(page, 'Retrieve').getByTestId('retrieve-engine');
  await expect(engine).toContainText('HNSW');
  await expect(engine).toContainText(/usearch graph, f16 vectors; approximate: hnsw M 16 ef \d+/);
  await clearMessages(page);
  await screenshot(page, 'retrieve-engine-hnsw', 1000);
  // Later specs share this host: leave the default behind.
  await chooseBackend('auto');
});
