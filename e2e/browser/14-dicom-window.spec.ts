import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { writeDicom } from '../../test/core/image/dicom-writer.js';
import { clearMessages, goTo, scratchDir, screenshot, useSharedPage } from '../helpers/app.js';
import { generateKey } from '../helpers/flows.js';

/**
 * A DICOM file in the item dialog: the key holder sees its header fields (decrypted in the back end from the
 * item's sidecar), picks a window preset, drags on the frame to change the window, and applies it to the model
 * input; with another key the dialog only says the details exist and are encrypted. The patient's name and ID are
 * in no file of the workspace.
 */
test.describe.configure({ mode: 'serial' });

const PATIENT = { name: 'Vexlund^Ingrid', id: 'E2E-WIN-7731' };
const LABEL = 'DicomWindowE2E';

/** A 64×48 CT-like frame (HU after rescale): a bright disc ("bone") in soft tissue, air around it. */
function ctFile(): Uint8Array {
  const rows = 48;
  const columns = 64;
  const values: number[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const r = Math.hypot(x - columns / 2, y - rows / 2);
      const hu = r < 8 ? 900 : r < 20 ? 40 + ((x * 7 + y * 3) % 40) : -950 + ((x + y) % 30);
      values.push(hu + 1024);
    }
  }
  return writeDicom({
    rows,
    columns,
    values,
    rescale: { slope: 1, intercept: -1024 },
    window: { center: [40, -600, 500], width: [400, 1500, 2000] },
    extra: [
      { tag: [0x0008, 0x0020], vr: 'DA', value: '20260412' },
      { tag: [0x0008, 0x0060], vr: 'CS', value: 'CT' },
      { tag: [0x0008, 0x1030], vr: 'LO', value: 'THORAX NATIVE' },
      { tag: [0x0008, 0x103e], vr: 'LO', value: 'AXIAL 1.0 LUNG' },
      { tag: [0x0010, 0x0010], vr: 'PN', value: PATIENT.name },
      { tag: [0x0010, 0x0020], vr: 'LO', value: PATIENT.id },
      { tag: [0x0018, 0x0015], vr: 'CS', value: 'CHEST' },
      { tag: [0x0028, 0x1055], vr: 'LO', value: 'SOFT TISSUE\\LUNG\\BONE' },
    ],
  });
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const sharedPage = useSharedPage();
let page: Page;

test.beforeAll(() => {
  page = sharedPage();
});

async function openDicomItem(): Promise<void> {
  const library = await goTo(page, 'Library');
  await library.getByTestId('class-filter').selectOption(LABEL);
  const tiles = library.getByTestId('library-grid').getByTestId('grid-tile');
  await expect(tiles).toHaveCount(1);
  await expect(tiles.first()).toContainText(/DICOM image [0-9a-f]{8}/);
  await tiles.first().press('Enter');
  await expect(page.getByTestId('dialog')).toBeVisible();
}

test('imports a DICOM file; the record and the workspace name no patient', async () => {
  const path = join(scratchDir(), `${PATIENT.name} ${PATIENT.id}.dcm`);
  writeFileSync(path, ctFile());
  const library = await goTo(page, 'Library');
  const panel = library.getByTestId('file-import');
  await panel.locator('summary', { hasText: 'Conversion and labels' }).click();
  await panel.getByTestId('import-label').fill(LABEL);
  await library.getByTestId('import-files-input').setInputFiles(path);
  await expect(panel.getByTestId('import-summary')).toContainText('1 imported', { timeout: 60_000 });
  await panel.getByTestId('import-label').fill('');
  await clearMessages(page);

  const workspace = process.env['CIPHERLENS_E2E_WORKSPACE'];
  test.skip(!workspace, 'the suite runs against a host it did not start: its workspace is not known');
  for (const file of filesUnder(workspace!)) {
    const bytes = readFileSync(file);
    for (const text of [PATIENT.id, ...PATIENT.name.split('^')]) {
      for (const form of [text, text.toLowerCase(), text.toUpperCase()]) {
        expect(bytes.includes(Buffer.from(form, 'utf8')), `${file} holds ${form}`).toBe(false);
        expect(bytes.includes(Buffer.from(form, 'utf16le')), `${file} holds ${form} (UTF-16)`).toBe(false);
      }
    }
  }
});

test('the key holder sees the DICOM fields, picks a preset, drags, and applies the window', async () => {
  await openDicomItem();
  const dialog = page.getByTestId('dialog');
  const section = dialog.getByTestId('dicom-section');
  const fields = section.getByTestId('dicom-fields');
  await expect(fields).toContainText('Vexlund Ingrid');
  await expect(fields).toContainText(PATIENT.id);
  await expect(fields).toContainText('2026-04-12');
  await expect(fields).toContainText('THORAX NATIVE');
  await expect(fields).toContainText('AXIAL 1.0 LUNG');
  await expect(fields).toContainText('CT');
  await expect(fields).toContainText('CHEST');
  await expect(fields).toContainText('48 × 64');
  await expect(fields).toContainText('16 (MONOCHROME2)');

  const readout = section.getByTestId('dicom-window');
  const preview = section.getByTestId('dicom-preview');
  await expect(readout).toHaveText('C 40 · W 400');
  await expect(preview).toHaveAttribute('data-window', '40,400');
  const presets = section.getByTestId('dicom-presets');
  await expect(presets.getByRole('button')).toHaveText([
    'SOFT TISSUE (C 40 · W 400)',
    'LUNG (C -600 · W 1500)',
    'BONE (C 500 · W 2000)',
    'Import window',
  ]);
  const apply = section.getByTestId('dicom-apply');
  await expect(apply).toBeDisabled();

  // Drag on the frame: right widens the window, down raises the picture's brightness (lower centre).
  const soft = await preview.getAttribute('src');
  const box = (await preview.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 40, { steps: 6 });
  await page.mouse.up();
  await expect(readout).not.toHaveText('C 40 · W 400');
  const [center, width] = ((await readout.textContent()) ?? '').match(/-?[\d.]+/g)!.map(Number) as [
    number,
    number,
  ];
  expect(center).toBeLessThan(40);
  expect(width).toBeGreaterThan(400);
  await expect(preview).not.toHaveAttribute('src', soft!);
  await expect(apply).toBeEnabled();

  await presets.getByRole('button', { name: /^LUNG/ }).click();
  await expect(readout).toHaveText('C -600 · W 1500');
  await expect(preview).toHaveAttribute('data-window', '-600,1500');
  await expect(section.getByTestId('dicom-center')).toHaveValue('-600');
  await expect(section.getByTestId('dicom-width')).toHaveValue('1500');
  await apply.click();
  await expect(page.getByTestId('message-success').first()).toContainText('Model input re-derived');

  // The dialog shows the item as it is now: the chosen window in its conversion steps and in the section.
  const reopened = page.getByTestId('dialog');
  await expect(reopened).toContainText('window C=-600 W=1500 (chosen in the item dialog, LINEAR) to 8 bits');
  await expect(reopened.getByTestId('dicom-window')).toHaveText('C -600 · W 1500');
  await expect(reopened.getByTestId('dicom-apply')).toBeDisabled();
  await expect(reopened.getByTestId('dicom-preview')).toHaveAttribute('data-window', '-600,1500');
  await screenshot(page, 'dicom-window', 1300);
  await page.keyboard.press('Escape');
  await clearMessages(page);
});

test('under another key the dialog says the DICOM details exist and stay encrypted', async () => {
  const before = ((await page.getByTestId('active-key').textContent()) ?? '').trim();
  await generateKey(page, 'dicom e2e other key');
  await openDicomItem();
  const section = page.getByTestId('dialog').getByTestId('dicom-section');
  await expect(section.getByTestId('dicom-locked')).toContainText('they are stored encrypted with key');
  await expect(section).not.toContainText(PATIENT.id);
  await expect(section.getByTestId('dicom-fields')).toHaveCount(0);
  await screenshot(page, 'dicom-window-locked');
  await page.keyboard.press('Escape');

  // Back to the key the other specs expect.
  const settings = await goTo(page, 'Settings');
  const row = before.includes('demo')
    ? settings.getByTestId('key-row').filter({ hasText: 'PUBLIC demo key' })
    : settings.locator(`[data-fingerprint="${before.replace('Key ', '')}"]`);
  await row.getByRole('button', { name: 'Use this key' }).click();
  await expect(page.getByTestId('active-key')).toHaveText(before);
  await clearMessages(page);
});
