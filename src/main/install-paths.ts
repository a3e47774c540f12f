import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';
import { userModelsDirOf } from '../backend/state-dir.js';
import { resolveDataDir } from '../core/datasets/data-dir.js';

/**
 * Where the Electron host finds its parts. Packaged: models, keys and study results are extraResources
 * beside app.asar; development: the repository (app.getAppPath()). Built code lives in out/main/.
 */
export function installPaths() {
  const bundleDir = fileURLToPath(new URL('.', import.meta.url));
  const resourcesBase = app.isPackaged ? process.resourcesPath : app.getAppPath();
  // CIPHERLENS_HOME moves settings, keys, workspace and cache (as in the browser host): tests use a throwaway one.
  const userData = process.env.CIPHERLENS_HOME ?? app.getPath('userData');
  const devData = join(app.getAppPath(), '..', 'shared', 'data');
  const dataDir = resolveDataDir(
    process.env.CIPHERLENS_DATA ??
      (existsSync(devData) && !app.isPackaged ? devData : join(userData, 'datasets')),
  );
  return {
    preload: join(bundleDir, '..', 'preload', 'index.cjs'),
    rendererDir: join(bundleDir, '..', 'renderer'),
    inferenceUtility: join(bundleDir, 'inference-utility.js'),
    modelsDir: join(resourcesBase, 'resources', 'models'),
    demoKey: join(resourcesBase, 'resources', 'keys', 'demo.key'),
    studyResults: join(resourcesBase, 'study', 'results'),
    stateDir: userData,
    /** Imported and trained models: the user's, beside the key ring, never in the install. */
    userModelsDir: userModelsDirOf(userData),
    /** Holds the Python `training` package in a source checkout; a packaged app ships none (training says so). */
    trainerRoot: resourcesBase,
    defaultWorkspace: join(userData, 'workspace'),
    cacheDir: join(userData, 'cache'),
    dataDir: existsSync(dataDir) ? dataDir : null,
  };
}
