import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { clearMessages, goTo, screenshot, useSharedPage, view } from '../helpers/app.js';
import {
  classifyOne,
  generateKey,
  importDatasetSample,
  MEDNIST,
  MNIST,
  retrieveTopK,
} from '../helpers/flows.js';
import { DATA_DIR } from '../helpers/paths.js';

/**
 * A person's own key, as the README asks: it must classify and retrieve at once (the shipped plain bit-plane model
 * transformed for the key, no training), and no screen may call a plain model's input "encrypted".
 */
test.describe.configure({ mode: 'serial' });
test.skip(!existsSync(join(DATA_DIR, 'MedNIST.tar.gz')), `MedNIST.tar.gz is not in ${DATA_DIR}`);

const sharedPage = useSharedPage();
let page: Page;
let fingerprint = '';

test.beforeAll(() => {
  page = sharedPage();
});

/**
 * Every caption and introduction of the view, which is where the screen describes the model's input — except
 * inside a result marked stale (it describes the model that produced it, and says it is not current).
 */
async function descriptions(root: Locator): Promise<string[]> {
  return root
    .locator(
      ':is(figcaption, [data-testid="view-intro"], .image-grid-subtitle, .muted):not([data-stale="true"] *)',
    )
    .allInnerTexts();
}

test('a generated key gets its transformed MedNIST model, active and ready', async () => {
  fingerprint = await generateKey(page, 'own key');
  const chip = page.getByTestId('active-model');
  await expect(chip).toHaveText(`Model MedNIST bit-plane (transformed for ${fingerprint.slice(0, 4)}…)`);
  await expect(chip).not.toContainText(/plain/i);
  const settings = view(page, 'Settings');
  const row = settings.locator(
    `[data-testid="model-row"][data-model-id="mednist-bitplane-mlp-plain-for-${fingerprint}"]`,
  );
  await expect(row).toContainText('active');
  await expect(row).toContainText('transformed for the active key');
  await expect(row.getByTestId('model-reads')).toContainText(`encrypted with key ${fingerprint}`);
  await expect(settings.locator(`[data-model-id="mnist-bitplane-mlp-plain-for-${fingerprint}"]`)).toHaveCount(
    1,
  );
  // Plain models are listed as what they are.
  await expect(settings.locator('[data-model-id="mednist-dcnn-plain"]')).toContainText('PLAIN images');
  await settings.getByTestId('models-panel').scrollIntoViewIfNeeded();
  await screenshot(page, 'settings-own-key-models', 1600);
});

test('classifies and retrieves MedNIST images under the new key, on encrypted input', async () => {
  await importDatasetSample(page, MEDNIST, 4);
  await classifyOne(page, 'Hand');
  const classify = view(page, 'Classify');
  const result = classify.getByTestId('classify-result');
  await expect(result).toContainText('Correct: labelled Hand');
  await expect(result.locator('figcaption').nth(1)).toHaveText('what the model saw (encrypted)');
  await expect(result).toContainText(`mednist-bitplane-mlp-plain-for-${fingerprint}`);
  await expect(result).toContainText('encrypted input');
  await screenshot(page, 'classify-own-key', 1000);

  await retrieveTopK(page, 'ChestCT');
  const retrieve = view(page, 'Retrieve');
  await expect(retrieve.getByTestId('retrieve-query').locator('figcaption').nth(1)).toHaveText(
    'query as searched (encrypted)',
  );
  await screenshot(page, 'retrieve-own-key', 1250);
});

test('a plain model needs an explicit choice, and then every screen says "decrypted"', async () => {
  const settings = await goTo(page, 'Settings');
  const plainRow = settings.locator('[data-testid="model-row"][data-model-id="mednist-dcnn-plain"]');
  // Declining the confirmation changes nothing.
  page.once('dialog', (dialog) => void dialog.dismiss());
  await plainRow.getByRole('button', { name: 'Use this PLAIN model…' }).click();
  await expect(page.getByTestId('active-model')).toContainText('transformed for');
  page.once('dialog', (dialog) => {
    expect(dialog.message()).toContain('reads PLAIN images');
    void dialog.accept();
  });
  await plainRow.getByRole('button', { name: 'Use this PLAIN model…' }).click();
  const chip = page.getByTestId('active-model');
  await expect(chip).toHaveText('Plain model — sees decrypted images (mednist-dcnn-plain)');
  await expect(chip).toHaveClass(/badge-warn/);
  await clearMessages(page);

  await classifyOne(page, 'Hand');
  const classify = view(page, 'Classify');
  await expect(classify.getByTestId('plain-model-warning')).toBeVisible();
  await expect(classify.getByTestId('classify-result').locator('figcaption').nth(1)).toHaveText(
    'what the model saw (decrypted — plain model)',
  );
  await screenshot(page, 'classify-plain-model', 1000);
  await retrieveTopK(page, 'ChestCT');
  for (const name of ['Classify', 'Retrieve', 'Evaluate'] as const) {
    const root = await goTo(page, name);
    // An evaluation from earlier (another model or key) is flagged as not current, naming the plain model.
    if (name === 'Evaluate' && (await root.getByTestId('evaluate-meta').count()) > 0) {
      await expect(root.getByTestId('evaluate-stale')).toContainText('reads DECRYPTED images');
      await screenshot(page, 'evaluate-stale-plain-model', 900);
    }
    await expect(root.getByTestId('view-intro')).toContainText('PLAIN model is active');
    for (const text of await descriptions(root)) {
      expect(text, `${name}: "${text}" describes a plain model's input`).not.toMatch(
        /\(encrypted\)|encrypted input|encrypted-image embeddings|only the cipher image reaches/,
      );
    }
  }
  await screenshot(page, 'retrieve-plain-model', 1250);

  // Back to privacy: the transformed model, and the captions say "encrypted" again.
  const back = await goTo(page, 'Settings');
  await back
    .locator(`[data-testid="model-row"][data-model-id="mednist-bitplane-mlp-plain-for-${fingerprint}"]`)
    .getByRole('button', { name: 'Use this model' })
    .click();
  await expect(page.getByTestId('active-model')).toContainText('transformed for');
  await clearMessages(page);
});

test('the same key classifies MNIST digits through its transformed MNIST model', async () => {
  test.skip(!existsSync(join(DATA_DIR, 'mnist')), `MNIST is not in ${DATA_DIR}`);
  const settings = await goTo(page, 'Settings');
  await settings
    .locator(`[data-testid="model-row"][data-model-id="mnist-bitplane-mlp-plain-for-${fingerprint}"]`)
    .getByRole('button', { name: 'Use this model' })
    .click();
  await expect(page.getByTestId('active-model')).toHaveText(
    `Model MNIST bit-plane (transformed for ${fingerprint.slice(0, 4)}…)`,
  );
  await clearMessages(page);
  await importDatasetSample(page, MNIST, 3);
  await classifyOne(page, '7');
  const result = view(page, 'Classify').getByTestId('classify-result');
  await expect(result).toContainText('Correct: labelled 7');
  await expect(result.locator('figcaption').nth(1)).toHaveText('what the model saw (encrypted)');
  await expect(result).toContainText(`mnist-bitplane-mlp-plain-for-${fingerprint}`);
});
