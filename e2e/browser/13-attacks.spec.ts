import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { goTo, screenshot, useSharedPage } from '../helpers/app.js';
import { DATA_DIR } from '../helpers/paths.js';

/**
 * The Security view's Attacks panel: the committed attacks run by the back end on real MNIST and MedNIST samples
 * encrypted with the active key, their measured numbers, and the recovered-image grid labelled as a demonstration.
 */
test.describe.configure({ mode: 'serial' });
test.skip(
  !existsSync(join(DATA_DIR, 'MedNIST.tar.gz')) || !existsSync(join(DATA_DIR, 'mnist')),
  `MedNIST.tar.gz or mnist/ is not in ${DATA_DIR}`,
);
test.setTimeout(240_000);

const sharedPage = useSharedPage();
let page: Page;

test.beforeAll(() => {
  page = sharedPage();
});

async function runAttacks(source: 'mnist' | 'mednist', condition: string) {
  const security = await goTo(page, 'Security');
  const attacks = security.getByTestId('attacks-panel');
  await attacks.getByTestId('attack-source').selectOption(source);
  await attacks.getByTestId('attack-condition').selectOption(condition);
  await attacks.getByTestId('attack-run').click();
  await expect(attacks.getByTestId('attack-run')).toBeDisabled();
  await expect(attacks.getByTestId('attack-run')).toBeEnabled({ timeout: 200_000 });
  await expect(attacks.getByTestId('attack-sample')).toContainText(condition);
  return attacks;
}

test('MNIST under arnold+xor: two known pairs and ciphertexts alone give the key away', async () => {
  const attacks = await runAttacks('mnist', 'arnold+xor');
  await expect(attacks.getByTestId('attack-sample')).toContainText('MNIST t10k images 0–999');
  await expect(attacks.getByTestId('attack-keyspace')).toContainText('3,861 (11.9 bits)');
  await expect(attacks.getByTestId('attack-kp-sl2')).toContainText('2 pairs');
  // 1,000 ciphertexts of black-background digits: every image recovered exactly, with no key.
  await expect(attacks.getByTestId('attack-co')).toContainText('100.0% of pixels');
  await expect(attacks.getByTestId('attack-co')).toContainText('100.0% of images exact');
  const grid = attacks.getByTestId('attack-grid');
  await expect(grid.locator('figcaption')).toContainText('DEMONSTRATION');
  await expect(grid.locator('img')).toHaveJSProperty('complete', true);
  expect(await grid.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(
    500,
  );
  await attacks.scrollIntoViewIfNeeded();
  await screenshot(page, 'security-attacks', 2200);
});

test('the uniform permutation defeats the SL2 search but not the general attack', async () => {
  const attacks = await runAttacks('mnist', 'uniform+xor');
  await expect(attacks.getByTestId('attack-keyspace')).toContainText('2^256');
  await expect(attacks.getByTestId('attack-kp-sl2')).toContainText('not within 64 pairs');
  const rows = attacks.getByTestId('attack-ciphertext-only').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  for (const row of await rows.all()) await expect(row).toContainText('wrong');
  await expect(attacks.getByTestId('attack-co')).toContainText('0.0% of images exact');
});

test('MedNIST under arnold+xor: the general attack needs more pairs, the SL2 search still two', async () => {
  const attacks = await runAttacks('mednist', 'arnold+xor');
  await expect(attacks.getByTestId('attack-sample')).toContainText('MedNIST');
  await expect(attacks.getByTestId('attack-kp-sl2')).toContainText('2 pairs');
  // The general attack assumes nothing about the permutation, so it needs more pairs (16–64 on MedNIST).
  const text = (await attacks.getByTestId('attack-kp-general').locator('.stat-value').textContent()) ?? '';
  expect(Number(/^(\d+) pairs/.exec(text)?.[1])).toBeGreaterThan(4);
  await expect(attacks.getByTestId('attack-keyspace')).toContainText('54,199 (15.7 bits)');
  await attacks.scrollIntoViewIfNeeded();
  await screenshot(page, 'security-attacks-mednist', 2200);
});
