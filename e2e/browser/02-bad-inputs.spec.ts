import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { clearMessages, errorMessages, goTo, screenshot, scratchDir, useSharedPage } from '../helpers/app.js';
import { DATA_DIR } from '../helpers/paths.js';
import { makeContainers, makeCorruptImage, makeGarbageKeyFile, makeSinglePng } from '../helpers/fixtures.js';

/** Bad inputs through the UI must end in a clear message, never silence or a broken view. */
test.describe.configure({ mode: 'serial' });

const sharedPage = useSharedPage();
let page: Page;

test.beforeAll(() => {
  page = sharedPage();
});

test('a corrupt image file is named with the reason it was skipped', async () => {
  const library = await goTo(page, 'Library');
  const corrupt = makeCorruptImage(join(scratchDir(), 'bad-inputs'));
  await library.getByTestId('import-files-input').setInputFiles(corrupt);
  const skipped = library.getByTestId('skipped-files');
  await expect(skipped).toContainText('corrupt-scan.png');
  await expect(skipped.locator('li')).not.toHaveText(/corrupt-scan\.png\s*—\s*$/);
  await expect(errorMessages(page).first()).toContainText('could not be imported');
  await expect(errorMessages(page).first()).toContainText('corrupt-scan.png');
  await screenshot(page, 'error-corrupt-image');
  await clearMessages(page);
});

test('a garbage key file is refused with a clear message', async () => {
  const settings = await goTo(page, 'Settings');
  const activeBefore = await page.getByTestId('active-key').textContent();
  await settings
    .getByTestId('key-import-input')
    .setInputFiles(makeGarbageKeyFile(join(scratchDir(), 'bad-inputs')));
  const error = errorMessages(page).first();
  await expect(error).toContainText('Key import failed');
  await expect(error.locator('p')).not.toBeEmpty();
  await expect(page.getByTestId('active-key')).toHaveText(activeBefore ?? '');
  await screenshot(page, 'error-bad-key');
  await clearMessages(page);
});

test('an encrypted file opens with its key; another key or an altered file is refused', async () => {
  const settings = await goTo(page, 'Settings');
  const useDemo = settings
    .getByTestId('key-row')
    .filter({ hasText: 'PUBLIC demo key' })
    .getByRole('button', { name: 'Use this key' });
  if ((await useDemo.count()) > 0) await useDemo.click();
  await expect(page.getByTestId('active-key')).toContainText('public demo');
  await clearMessages(page);

  const files = makeContainers(join(scratchDir(), 'containers'));
  const library = await goTo(page, 'Library');
  const input = library.getByTestId('decrypt-file-input');
  const output = library.getByTestId('decrypt-output');
  await input.setInputFiles(files.demo);
  await expect(output.locator('img[alt="decrypted with the active key"]')).toHaveAttribute(
    'src',
    /^data:image\/png/,
  );
  await input.setInputFiles(files.foreign);
  await expect(output.getByTestId('inline-error')).toContainText('other-key.clens');
  await expect(output.getByTestId('inline-error')).toContainText(/key/i);
  await output.scrollIntoViewIfNeeded();
  await screenshot(page, 'error-wrong-key-file');
  await input.setInputFiles(files.tampered);
  await expect(output.getByTestId('inline-error')).toContainText('tampered.clens');
  await expect(output.getByTestId('inline-error')).toContainText(/integrity|altered|tamper|authentic/i);
});

test('a key export needs a passphrase of 8 characters', async () => {
  const settings = await goTo(page, 'Settings');
  await settings.getByTestId('key-row').first().getByRole('button', { name: 'Export…' }).click();
  await settings.getByTestId('export-passphrase').fill('short');
  await settings.getByTestId('export-confirm').fill('short');
  await settings.getByTestId('export-run').click();
  await expect(errorMessages(page).first()).toContainText('Passphrase too short');
  await clearMessages(page);
  await settings.getByTestId('key-export').getByRole('button', { name: 'Cancel' }).click();
});

test('a model trained for another key is explained, and classification refuses to guess', async () => {
  const settings = await goTo(page, 'Settings');
  const previous = (await page.getByTestId('active-key').textContent()) ?? '';
  await settings.getByTestId('key-label').fill('mismatch key');
  await settings.getByTestId('key-generate').click();
  await expect(page.getByTestId('active-key')).not.toHaveText(previous);
  await clearMessages(page);

  const encrypted = settings.getByTestId('model-row').filter({ hasText: 'mismatch' }).first();
  await expect(encrypted, 'a shipped model bound to the demo key').toBeVisible();
  await expect(encrypted).toContainText('mismatch');
  await expect(encrypted.getByTestId('model-problem')).toContainText(/key/i);

  // Choosing it anyway: the back end either refuses with the reason, or accepts and inference refuses.
  const useModel = encrypted.getByRole('button', { name: 'Use this model' });
  const refusal = errorMessages(page).first();
  const accepted = encrypted.getByText('active', { exact: true });
  if ((await useModel.count()) > 0) {
    await useModel.click();
    // Refused or accepted, the message says why it cannot run with this key.
    await expect(refusal.or(accepted).first()).toBeVisible();
    await expect(refusal).toContainText(/key/i);
  }
  if (await accepted.isVisible()) {
    const classify = await goTo(page, 'Classify');
    await expect(classify.getByTestId('model-notice')).toContainText('cannot be used with the active key');
    await classify
      .getByTestId('classify-source-file')
      .setInputFiles(await makeSinglePng(join(scratchDir(), 'bad-inputs')));
    await expect(classify.getByTestId('inline-error')).toContainText(/key/i);
  }
  await screenshot(page, 'error-model-mismatch');
  await clearMessages(page);

  // Leave the demo key active for whatever runs next.
  const back = await goTo(page, 'Settings');
  await back
    .getByTestId('key-row')
    .filter({ hasText: 'PUBLIC demo key' })
    .getByRole('button', { name: 'Use this key' })
    .click();
  await expect(page.getByTestId('active-key')).toContainText('public demo');
});

test('a long import can be cancelled; what was stored is kept and it can be resumed', async () => {
  test.skip(!existsSync(join(DATA_DIR, 'mnist')), `MNIST is not in ${DATA_DIR}`);
  const library = await goTo(page, 'Library');
  const panel = library.getByTestId('dataset-import-panel');
  await panel.getByTestId('dataset-name').selectOption('mnist');
  await panel.getByTestId('dataset-per-class').fill('1000');
  await panel.getByTestId('dataset-per-class').blur();
  await panel.getByTestId('dataset-import').click();
  const progress = panel.getByTestId('job-progress');
  await expect(progress).toBeVisible();
  // Cancel asks first; "Keep going" takes the question back and the import runs on.
  const cancel = progress.getByTestId('job-cancel');
  await cancel.click();
  await expect(cancel).toHaveText('Stop now?');
  await screenshot(page, 'import-cancel-confirm');
  await progress.getByTestId('job-cancel-keep').click();
  await expect(cancel).toHaveText('Cancel');
  await expect(progress).toBeVisible();
  await cancel.click();
  await cancel.click();
  await expect(page.getByTestId('message-info').first()).toContainText('Import cancelled');
  await expect(progress).toHaveCount(0);
  const pending = library.getByTestId('pending-import');
  await expect(pending).toContainText('stopped part-way');
  await screenshot(page, 'import-cancelled');
  await clearMessages(page);

  // Resuming continues the same import; cancel it again so the suite stays short.
  await pending.getByRole('button', { name: 'Resume import' }).click();
  await expect(progress).toBeVisible();
  await progress.getByTestId('job-cancel').click();
  await progress.getByTestId('job-cancel').click();
  await expect(page.getByTestId('message-info').first()).toContainText('Import cancelled');
  await clearMessages(page);
});
