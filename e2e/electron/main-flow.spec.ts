import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication, expect, type Page, test } from '@playwright/test';
import { screenshot, watchPageErrors } from '../helpers/app.js';
import { type ImportFolder, makeImportFolder } from '../helpers/fixtures.js';
import {
  analyseSecurity,
  classifyOne,
  changeRetrievalView,
  openAblationConfiguration,
  openDiagonalCell,
  runEvaluation,
  generateKey,
  importFolder,
  importDatasetSample,
  MEDNIST,
  retrieveTopK,
  useDemoKeyAndShippedModel,
} from '../helpers/flows.js';
import { DATA_DIR, electronBinary, REPO_ROOT } from '../helpers/paths.js';

/** The same main flow in the Electron shell, launched through Playwright's _electron. */
test.describe.configure({ mode: 'serial' });

const binary = electronBinary();
const mainEntry = join(REPO_ROOT, 'out', 'main', 'index.js');

const SKIP_REASON =
  'Electron binary not installed (node_modules/electron/dist is missing; installs here use ELECTRON_SKIP_BINARY_DOWNLOAD=1). Run `npx install-electron` where downloads are allowed to enable these tests.';
if (binary === null) console.log(`[e2e] electron project skipped: ${SKIP_REASON}`);
test.skip(binary === null, SKIP_REASON);

let app: ElectronApplication;
let page: Page;
let pageProblems: string[];
let folder: ImportFolder;
let userData: string;

test.beforeAll(async () => {
  expect(existsSync(mainEntry), `${mainEntry} is built by global setup`).toBe(true);
  userData = mkdtempSync(join(tmpdir(), 'cipherlens-e2e-electron-'));
  folder = await makeImportFolder(join(userData, 'files'));
  app = await electron.launch({
    executablePath: binary ?? undefined,
    args: [mainEntry, `--user-data-dir=${join(userData, 'profile')}`, '--no-sandbox', '--disable-gpu'],
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CIPHERLENS_DATA: DATA_DIR,
      // Key ring, settings and workspace in the throwaway folder (see src/renderer/NEEDS.md).
      CIPHERLENS_HOME: join(userData, 'state'),
    },
  });
  page = await app.firstWindow();
  pageProblems = watchPageErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible({ timeout: 60_000 });
});

test.afterAll(async () => {
  await app?.close();
  if (userData) rmSync(userData, { recursive: true, force: true });
});

test.afterEach(() => {
  expect(pageProblems, 'no page errors or CSP violations').toEqual([]);
});

test('the window is sandboxed: no Node in the renderer', async () => {
  const hasNode = await page.evaluate(
    () => typeof (globalThis as { require?: unknown }).require !== 'undefined',
  );
  expect(hasNode).toBe(false);
});

test('key, folder import with encrypted thumbnails', async () => {
  await generateKey(page, 'electron e2e key');
  const files = Object.entries(folder.classes).flatMap(([name, names]) =>
    names.map((file) => join(folder.root, name, file)),
  );
  expect(files.length).toBe(
    readdirSync(folder.root).flatMap((name) => readdirSync(join(folder.root, name))).length,
  );
  // Electron imports by path: the back end walks the folders and labels by folder name.
  await importFolder(page, folder, files, 'import-files-input');
  await screenshot(page, 'electron-library');
});

test('MedNIST sample, classify, retrieve, evaluate, security', async () => {
  await useDemoKeyAndShippedModel(page, MEDNIST);
  await importDatasetSample(page, MEDNIST, 10);
  await classifyOne(page, 'CXR');
  await retrieveTopK(page, 'AbdomenCT');
  await changeRetrievalView(page);
  await runEvaluation(page);
  await openDiagonalCell(page);
  await openAblationConfiguration(page);
  await analyseSecurity(page, 'BreastMRI');
  await screenshot(page, 'electron-security');
});
