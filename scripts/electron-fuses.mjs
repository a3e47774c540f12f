// electron-builder afterPack hook: flips Electron fuses on the packaged binary, before signing.
// CIPHERLENS_TEST_BUILD=1 makes the build Playwright can drive (its _electron.launch attaches through the
// Node inspector, so that one fuse stays on); every other fuse is the production setting. See docs/electron.md.
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';

/** Production: no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS, no --inspect, app only from an integrity-checked asar. */
export function fuseConfig({ testBuild }) {
  return {
    version: FuseVersion.V1,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: testBuild,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

function packagedBinary(context) {
  const name = context.packager.appInfo.productFilename;
  switch (context.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(context.appOutDir, `${name}.app`);
    case 'win32':
      return join(context.appOutDir, `${name}.exe`);
    default:
      return join(context.appOutDir, context.packager.executableName);
  }
}

export default async function afterPack(context) {
  const testBuild = process.env.CIPHERLENS_TEST_BUILD === '1';
  const binary = packagedBinary(context);
  await flipFuses(binary, {
    ...fuseConfig({ testBuild }),
    // arm64 macOS refuses a binary whose ad-hoc signature no longer matches; builds are signed after this.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && context.arch === 3,
  });
  process.stdout.write(
    `cipherlens: fuses flipped on ${binary}${testBuild ? ' (test build: inspector allowed)' : ''}\n`,
  );
}
