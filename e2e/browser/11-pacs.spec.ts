import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import sharp from 'sharp';
import { mednistImageName, readMednistMembers } from '../../src/core/datasets/mednist.js';
import { discImage, writeStudy, type WrittenStudy } from '../../test/support/pacs-fixtures.js';
import { orthancUsable, startOrthanc, type OrthancServer } from '../../test/support/orthanc.js';
import { clearMessages, goTo, screenshot, useSharedPage } from '../helpers/app.js';
import { MEDNIST, useDemoKeyAndShippedModel } from '../helpers/flows.js';
import { DATA_DIR } from '../helpers/paths.js';

/**
 * Import from a real PACS (Debian's Orthanc with its DICOMweb plugin, on a loopback port): set up the connection
 * in Settings, search the studies, open one, import a series through the dialog, and classify an imported image.
 * The study holds MedNIST hand radiographs written as DICOM (64×64, 8-bit), so the shipped MedNIST model can read
 * them; without MedNIST the images are drawn discs (classifiable, possibly flagged as unlike the training data).
 */
test.describe.configure({ mode: 'serial' });
test.skip(!orthancUsable('the PACS e2e spec'), 'Orthanc or its DICOMweb plugin is not installed');

const MEDNIST_TAR = join(DATA_DIR, 'MedNIST.tar.gz');
const PATIENT = { name: 'TESTPATIENT^HAND', id: 'E2E-PACS-0042' };

const sharedPage = useSharedPage();
let page: Page;
let orthanc: OrthancServer;
let study: WrittenStudy;
let fromMednist = false;

/** The first `count` Hand images of MedNIST as 64×64 grey pixels, or drawn discs when MedNIST is absent. */
async function handImages(count: number): Promise<Uint8Array[]> {
  if (!existsSync(MEDNIST_TAR)) return Array.from({ length: count }, (_, seed) => discImage(64, seed));
  const images: Uint8Array[] = [];
  for await (const entry of readMednistMembers(MEDNIST_TAR)) {
    const named = mednistImageName(entry);
    if (named?.className !== 'Hand' || !entry.data) continue;
    const { data } = await sharp(entry.data)
      .greyscale()
      .resize(64, 64)
      .raw()
      .toBuffer({ resolveWithObject: true });
    images.push(new Uint8Array(data));
    if (images.length === count) break;
  }
  fromMednist = true;
  return images;
}

test.beforeAll(async () => {
  page = sharedPage();
  orthanc = await startOrthanc();
  study = writeStudy({
    patientName: PATIENT.name,
    patientId: PATIENT.id,
    studyDate: '20240311',
    description: 'XR HAND LEFT',
    series: [
      { modality: 'CR', seriesNumber: 1, description: 'HAND PA', size: 64, images: await handImages(3) },
      { modality: 'CR', seriesNumber: 2, description: 'HAND OBLIQUE', size: 64, images: [discImage(64, 7)] },
    ],
  });
  for (const series of study.series) for (const file of series.files) await orthanc.upload(file);
  // A second study the filters must leave out.
  const other = writeStudy({
    patientName: 'OTHER^PERSON',
    patientId: 'E2E-PACS-0099',
    studyDate: '20190101',
    series: [{ modality: 'MR', seriesNumber: 1, size: 16, images: [discImage(16, 3)] }],
  });
  await orthanc.upload(other.series[0]!.files[0]!);
});

test.afterAll(async () => {
  await orthanc?.stop();
});

test('Settings: the PACS connection is saved with its password sealed, and tested', async () => {
  await useDemoKeyAndShippedModel(page, MEDNIST);
  const settings = await goTo(page, 'Settings');
  const pacs = settings.getByTestId('pacs-panel');
  // Nothing listens on port 9 of this machine: an unreachable server is said as such.
  await pacs.getByTestId('pacs-url').fill('http://127.0.0.1:9/dicom-web');
  await pacs.getByTestId('pacs-save').click();
  await expect(pacs.getByTestId('pacs-status')).toContainText('http://127.0.0.1:9/dicom-web');
  await pacs.getByTestId('pacs-test').click();
  await expect(page.getByTestId('message-error').first()).toContainText(
    'cannot reach the PACS at 127.0.0.1:9',
  );
  await clearMessages(page);

  await pacs.getByTestId('pacs-url').fill(orthanc.dicomWebUrl);
  await pacs.getByTestId('pacs-auth').selectOption('basic');
  await expect(pacs.getByTestId('pacs-token')).toHaveCount(0);
  await pacs.getByTestId('pacs-user').fill(orthanc.user);
  await pacs.getByTestId('pacs-password').fill('not-the-password');
  await pacs.getByTestId('pacs-save').click();
  await expect(page.getByTestId('message-success').first()).toContainText('PACS connection saved');
  // A wrong password is said as such.
  await pacs.getByTestId('pacs-test').click();
  await expect(page.getByTestId('message-error').first()).toContainText('refused the saved credentials (401');
  await clearMessages(page);

  await pacs.getByTestId('pacs-password').fill(orthanc.password);
  await pacs.getByTestId('pacs-save').click();
  await expect(pacs.getByTestId('pacs-status')).toContainText(`password of ${orthanc.user} saved`);
  await expect(pacs.getByTestId('pacs-password')).toHaveValue('');
  await pacs.getByTestId('pacs-test').click();
  await expect(pacs.getByTestId('pacs-test-result')).toContainText('Connected');
  // The password never comes back to the page.
  expect(await page.content()).not.toContain(orthanc.password);
  await pacs.scrollIntoViewIfNeeded();
  await screenshot(page, 'settings-pacs');
  await clearMessages(page);
});

test('Library: search the PACS, open a study, import a series with progress', async () => {
  const library = await goTo(page, 'Library');
  await expect(library.getByTestId('pacs-connection-note')).toContainText(`Searches ${orthanc.dicomWebUrl}`);
  await library.getByTestId('pacs-import-panel').scrollIntoViewIfNeeded();
  await screenshot(page, 'library-pacs-panel');
  await library.getByTestId('pacs-open').click();
  const dialog = page.getByTestId('dialog');
  await expect(dialog).toBeVisible();

  // A name that matches nothing says how wildcards work.
  await dialog.getByTestId('pacs-patient').fill('NOBODY');
  await dialog.getByTestId('pacs-search').click();
  await expect(dialog.getByTestId('pacs-no-studies')).toContainText('*');

  await dialog.getByTestId('pacs-patient').fill('TESTPATIENT*');
  await dialog.getByTestId('pacs-from').fill('2024-01-01');
  await dialog.getByTestId('pacs-to').fill('2024-12-31');
  await dialog.getByTestId('pacs-modality').selectOption('CR');
  await dialog.getByTestId('pacs-search').click();
  const rows = dialog.getByTestId('pacs-studies').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('TESTPATIENT, HAND');
  await expect(rows.first()).toContainText('2024-03-11');
  await rows.first().click();

  const series = dialog.getByTestId('pacs-series-row');
  await expect(series).toHaveCount(2);
  await expect(series.first()).toContainText('HAND PA');
  // Only the first series (3 images): untick the second.
  await series.nth(1).getByTestId('pacs-series-check').uncheck();
  await expect(dialog.getByTestId('pacs-import')).toHaveText('Import 1 series (3 images)');
  await dialog.getByTestId('pacs-label').fill('Hand');
  await screenshot(page, 'library-pacs-dialog');

  await dialog.getByTestId('pacs-import').click();
  await expect(dialog.getByTestId('import-summary')).toContainText('PACS import: 3 imported', {
    timeout: 60_000,
  });
  await screenshot(page, 'library-pacs-imported');

  // Again: nothing is downloaded twice.
  await dialog.getByTestId('pacs-import').click();
  await expect(dialog.getByTestId('import-summary')).toContainText(
    '0 imported · 3 already in the workspace',
    {
      timeout: 60_000,
    },
  );
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await clearMessages(page);
});

test('the imported images are in the library without patient data, and classify', async () => {
  const library = await goTo(page, 'Library');
  await library.getByTestId('search').fill('PACS');
  const tiles = library.getByTestId('library-grid').getByTestId('grid-tile');
  await expect(tiles).toHaveCount(3);
  const text = await library.getByTestId('library-browse').innerText();
  expect(text).not.toContain('TESTPATIENT');
  expect(text).not.toContain(PATIENT.id);

  await tiles.first().click();
  const itemDialog = page.getByTestId('dialog');
  await expect(itemDialog).toContainText(/CR series 1 image \d/);
  await itemDialog.getByRole('button', { name: 'Classify' }).click();
  const classify = await goTo(page, 'Classify');
  await classify.getByTestId('classify-run').click();
  const result = classify.getByTestId('classify-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(result.getByTestId('predictions').locator('li').first()).toContainText('%');
  // MedNIST hand radiographs under the MedNIST model: labelled Hand, predicted Hand.
  if (fromMednist)
    await expect(result.getByTestId('predictions').locator('li').first()).toContainText('Hand');
  await screenshot(page, 'classify-pacs-item');

  // Leave the app as later specs expect it: no PACS connection, no search filter.
  const settings = await goTo(page, 'Settings');
  await settings.getByTestId('pacs-forget').click();
  await expect(settings.getByTestId('pacs-status')).toContainText('not set');
  const back = await goTo(page, 'Library');
  await back.getByTestId('search').fill('');
  await clearMessages(page);
});
