import { FuseV1Options } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { fuseConfig as untypedFuseConfig } from '../../scripts/electron-fuses.mjs';

const fuseConfig = untypedFuseConfig as (options: { testBuild: boolean }) => Record<number, boolean>;

describe('Electron fuses applied at package time', () => {
  it('production turns off RunAsNode, NODE_OPTIONS and the inspector, and enforces the integrity-checked asar', () => {
    const fuses = fuseConfig({ testBuild: false });
    expect(fuses[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuses[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });

  it('the test build differs only in allowing the inspector Playwright attaches through', () => {
    const production = fuseConfig({ testBuild: false });
    const test = fuseConfig({ testBuild: true });
    const differing = Object.keys(production).filter((k) => production[Number(k)] !== test[Number(k)]);
    expect(differing).toEqual([String(FuseV1Options.EnableNodeCliInspectArguments)]);
  });
});
