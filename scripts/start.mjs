#!/usr/bin/env node
// `npm start`: run the Electron app, or explain what to do when the Electron binary is not installed
// (offline installs skip its download; see docs/electron.md). The browser host needs no binary.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function electronPackageDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** The binary electron's own index.js would return, found without letting it start a download. */
function electronBinary(packageDir) {
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

function explainAndExit(reason) {
  process.stderr.write(
    `\nCipherLens cannot start the desktop app: ${reason}\n\n` +
      'Options:\n' +
      '  • With internet access: `node node_modules/electron/install.js` (downloads the Electron binary), then `npm start`.\n' +
      '  • Without Electron: `npm run serve` runs the same app in your browser on 127.0.0.1.\n\n',
  );
  process.exit(1);
}

const packageDir = electronPackageDir();
if (!packageDir) explainAndExit('the electron package is not installed (run `npm install`).');

let binary = electronBinary(packageDir);
if (!binary) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    explainAndExit('the Electron binary is missing and ELECTRON_SKIP_BINARY_DOWNLOAD is set.');
  }
  process.stdout.write(
    'The Electron binary is missing; trying to download it once (node_modules/electron/install.js)…\n',
  );
  const install = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    stdio: 'inherit',
    timeout: 180_000,
  });
  binary = install.status === 0 ? electronBinary(packageDir) : null;
  if (!binary) explainAndExit('the Electron binary is missing and could not be downloaded (offline?).');
}

// electron-vite builds main, preload and renderer, then launches the binary on the built app.
const cli = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
const child = spawn(process.execPath, [cli, 'preview', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
