import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { SCREENSHOT_DIR } from './paths.js';

export type ViewName = 'Library' | 'Classify' | 'Retrieve' | 'Map' | 'Evaluate' | 'Security' | 'Settings';

export function hostUrl(): string {
  const url = process.env['CIPHERLENS_E2E_URL'];
  if (!url)
    throw new Error(
      'CIPHERLENS_E2E_URL is not set: run the suite through playwright.config.ts (global setup starts the host)',
    );
  return url;
}

export function scratchDir(): string {
  const dir = process.env['CIPHERLENS_E2E_SCRATCH'];
  if (!dir) throw new Error('CIPHERLENS_E2E_SCRATCH is not set: run the suite through playwright.config.ts');
  return dir;
}

/** Fails the test on any uncaught page error or CSP violation: both mean a broken view. */
export function watchPageErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) {
      problems.push(`CSP: ${message.text()}`);
    }
  });
  return problems;
}

export async function openApp(page: Page, url = hostUrl()): Promise<void> {
  await page.goto(url);
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
}

export function view(page: Page, name: ViewName): Locator {
  return page.locator(`.view[data-view="${name.toLowerCase()}"]`);
}

export async function goTo(page: Page, name: ViewName): Promise<Locator> {
  await page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('link', { name: new RegExp(`^${name}`) })
    .click();
  const root = view(page, name);
  await expect(root).toBeVisible();
  return root;
}

/** Saves a screenshot under test-results/screenshots; `height` grows the viewport to take in a long view. */
export async function screenshot(page: Page, name: string, height?: number): Promise<void> {
  const original = page.viewportSize();
  if (height && original) await page.setViewportSize({ width: original.width, height });
  // Let chart.js finish its resize to the new viewport before the capture.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
  if (height && original) await page.setViewportSize(original);
}

export function errorMessages(page: Page): Locator {
  return page.getByTestId('message-error');
}

/** Dismisses every shown message, so the next check sees only new ones. */
export async function clearMessages(page: Page): Promise<void> {
  const dismiss = page.getByTestId('messages').getByRole('button', { name: 'Dismiss message' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
}

/** Clicks an export button and returns the downloaded file's name and bytes. */
export async function download(page: Page, trigger: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), trigger.click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * One page for a serial spec file, opened on the app before its first test and closed after its last; after each
 * test, any page error or CSP violation fails it. Returns the page's getter (it exists once beforeAll ran).
 */
export function useSharedPage(): () => Page {
  let page: Page | null = null;
  let problems: string[] = [];
  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = watchPageErrors(page);
    await openApp(page);
  });
  test.afterAll(async () => {
    await page?.close();
  });
  test.afterEach(() => {
    expect(problems, 'no page errors or CSP violations').toEqual([]);
  });
  return () => {
    if (!page) throw new Error('the shared page is opened in beforeAll');
    return page;
  };
}
