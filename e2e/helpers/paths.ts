import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared datasets sit beside the clone (../shared/data) both here and in CI. */
export const DATA_DIR = process.env['CIPHERLENS_DATA_DIR'] ?? resolve(REPO_ROOT, '..', 'shared', 'data');

export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');

export const CHROMIUM_PATH = process.env['CIPHERLENS_CHROMIUM'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The Electron binary, or null when it was never downloaded. Read from electron's own path.txt:
 * `require('electron')` would try to download the binary, which must never happen in tests.
 */
export function electronBinary(): string | null {
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  const packageDir = join(REPO_ROOT, 'node_modules', 'electron');
  const pathFile = join(packageDir, 'path.txt');
  if (!override && !existsSync(pathFile)) return null;
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const binary = override ? join(override, relative) : join(packageDir, 'dist', relative);
  return existsSync(binary) ? binary : null;
}
