import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: this file lives at src/core/datasets/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Where datasets are read from, first match wins:
 * 1. an explicit `--data-dir`; 2. env `CIPHERLENS_DATA`; 3. `../shared/data` beside the repository when it
 * exists (this project's CI layout); 4. `<repo>/data/datasets` (where `cipherlens download` puts files).
 */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.CIPHERLENS_DATA) return resolve(env.CIPHERLENS_DATA);
  const shared = join(PACKAGE_ROOT, '..', 'shared', 'data');
  if (existsSync(shared)) return resolve(shared);
  return join(PACKAGE_ROOT, 'data', 'datasets');
}

/** Where downloads go: `--data-dir`, env `CIPHERLENS_DATA`, else `<repo>/data/datasets` (never a shared folder). */
export function resolveDownloadDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.CIPHERLENS_DATA) return resolve(env.CIPHERLENS_DATA);
  return join(PACKAGE_ROOT, 'data', 'datasets');
}

/** Decoded-dataset cache: env `CIPHERLENS_CACHE`, else `<repo>/data/cache`. */
export function resolveCacheDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.CIPHERLENS_CACHE) return resolve(env.CIPHERLENS_CACHE);
  return join(PACKAGE_ROOT, 'data', 'cache');
}

/** Default export folder: `<repo>/data/exports/<dataset>-<condition>`. */
export const defaultExportDir = (dataset: string, condition: string): string =>
  join(PACKAGE_ROOT, 'data', 'exports', `${dataset}-${condition}`);
