import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { goTo, openApp, scratchDir, watchPageErrors } from '../helpers/app.js';
import { makeSinglePng } from '../helpers/fixtures.js';

/** Files dropped on the import area are imported like picked ones (the browser host uploads them). */
test('dropping an image on the import area imports it', async ({ page }) => {
  const problems = watchPageErrors(page);
  await openApp(page);
  const library = await goTo(page, 'Library');
  const png = readFileSync(await makeSinglePng(join(scratchDir(), 'drop'))).toString('base64');

  // A real drag from the desktop cannot be scripted; the same DataTransfer a drop delivers can.
  const transfer = await page.evaluateHandle((base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], 'dropped-scan.png', { type: 'image/png' }));
    return data;
  }, png);
  const zone = library.getByTestId('import-drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
  await expect(zone).toHaveClass(/dragging/);
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
  await expect(zone).not.toHaveClass(/dragging/);

  await expect(library.getByTestId('file-import').getByTestId('import-summary')).toContainText('1 imported');
  await library.getByTestId('search').fill('dropped-scan');
  await expect(library.getByTestId('library-grid').getByTestId('grid-tile')).toHaveCount(1);
  expect(problems).toEqual([]);
});
