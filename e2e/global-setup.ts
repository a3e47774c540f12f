import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserHost } from './helpers/host.js';
import { REPO_ROOT, SCREENSHOT_DIR } from './helpers/paths.js';

const BUILD_INPUTS = ['src/renderer', 'src/shared', 'src/main', 'src/preload'];
const BUILT_PAGE = join(REPO_ROOT, 'out', 'renderer', 'index.html');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestMtime(join(path, name))),
    stat.mtimeMs,
  );
}

/** Builds the app when the renderer bundle is missing or older than its sources. */
function ensureBuilt(): void {
  const builtAt = existsSync(BUILT_PAGE) ? statSync(BUILT_PAGE).mtimeMs : 0;
  const sourcesAt = Math.max(...BUILD_INPUTS.map((dir) => newestMtime(join(REPO_ROOT, dir))));
  if (builtAt >= sourcesAt) return;
  console.log('[e2e] building the app (npx electron-vite build)…');
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`electron-vite build failed (exit ${result.status ?? result.signal})`);
}

/**
 * Builds once, starts the browser host on a free port with a temporary workspace, and hands its URL
 * to the tests through the environment. The returned function is Playwright's teardown. With
 * CIPHERLENS_E2E_URL set, the suite runs against that host instead.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // A host someone already started (e.g. `npm run serve` while debugging): use it as it is.
  if (process.env['CIPHERLENS_E2E_URL']) {
    const scratch = mkdtempSync(join(tmpdir(), 'cipherlens-e2e-files-'));
    process.env['CIPHERLENS_E2E_SCRATCH'] = scratch;
    return async () => rmSync(scratch, { recursive: true, force: true });
  }
  ensureBuilt();
  const host = await startBrowserHost();
  process.env['CIPHERLENS_E2E_URL'] = host.url;
  process.env['CIPHERLENS_E2E_WORKSPACE'] = host.workspace;
  process.env['CIPHERLENS_E2E_SCRATCH'] = host.scratch;
  return host.stop;
}
