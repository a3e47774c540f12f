import { describe, expect, it, vi } from 'vitest';
import { grantDroppedPath, PathGrants } from '../../src/main/path-grants.js';
import { GRANT_DROPPED_PATH_CHANNEL } from '../../src/shared/operation-names.js';

// The sandboxed preload, with a stand-in `electron`: what it exposes and what it tells main.
const electron = vi.hoisted(() => ({
  exposed: {} as Record<string, unknown>,
  sendSync: vi.fn((_channel: string, _path: string) => true),
  pathOf: new Map<object, string>(),
}));
vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (name: string, api: unknown) => {
      electron.exposed[name] = api;
    },
  },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn(), sendSync: electron.sendSync },
  webUtils: { getPathForFile: (file: object) => electron.pathOf.get(file) ?? '' },
}));
await import('../../src/preload/index.js');
const bridge = electron.exposed['cipherlens'] as { pathForFile(file: object): string };

describe('dropped files', () => {
  it('the preload reports the path of a real dropped File to main, synchronously, before handing it out', () => {
    const dropped = {};
    electron.pathOf.set(dropped, '/home/me/scan.dcm');
    expect(bridge.pathForFile(dropped)).toBe('/home/me/scan.dcm');
    expect(electron.sendSync).toHaveBeenCalledWith(GRANT_DROPPED_PATH_CHANNEL, '/home/me/scan.dcm');
  });

  it('a File made by a page script has no path, so nothing is granted', () => {
    electron.sendSync.mockClear();
    expect(bridge.pathForFile({})).toBe('');
    expect(electron.sendSync).not.toHaveBeenCalled();
  });

  it('main grants a reported path only from its own window, and only a path string', () => {
    const grants = new PathGrants();
    expect(grantDroppedPath(grants, false, '/etc/shadow')).toBe(false);
    expect(grants.allows('/etc/shadow')).toBe(false);
    expect(grantDroppedPath(grants, true, { path: '/x' })).toBe(true);
    expect(grantDroppedPath(grants, true, '')).toBe(true);
    expect(grantDroppedPath(grants, true, '/home/me/scan.dcm')).toBe(true);
    expect(grants.allows('/home/me/scan.dcm')).toBe(true);
  });
});
