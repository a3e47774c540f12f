import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: this file lives at src/core/datasets/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

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

/**
 * Decoded-dataset cache, in the user's cache folder, never in the install or the checkout: `--cache-dir`,
 * else env `CIPHERLENS_CACHE`, else `$XDG_CACHE_HOME/cipherlens` (when that is an absolute path, as the XDG
 * spec requires), else `~/.cache/cipherlens`.
 */
export function resolveCacheDir(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (explicit) return resolve(explicit);
  if (env.CIPHERLENS_CACHE) return resolve(env.CIPHERLENS_CACHE);
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'cipherlens');
  return join(home, '.cache', 'cipherlens');
}

/** Default export folder: `<repo>/data/exports/<dataset>-<condition>`. */
export const defaultExportDir = (dataset: string, condition: string): string =>
  join(PACKAGE_ROOT, 'data', 'exports', `${dataset}-${condition}`);
