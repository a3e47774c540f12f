import { beforeEach, describe, expect, it, vi } from 'vitest';

// The Electron binary is not installed for unit tests: window-security.ts gets a stand-in `electron`.
const electron = vi.hoisted(() => ({
  isPackaged: false,
  created: [] as ((event: unknown, contents: unknown) => void)[],
  openExternal: vi.fn(async (_url: string) => undefined),
}));
vi.mock('electron', () => ({
  app: {
    get isPackaged() {
      return electron.isPackaged;
    },
    on: (event: string, listener: (event: unknown, contents: unknown) => void) => {
      if (event === 'web-contents-created') electron.created.push(listener);
    },
  },
  shell: { openExternal: electron.openExternal },
}));

const { lockDownNavigation, secureWebPreferences } = await import('../../src/main/window-security.js');
const { EXTERNAL_LINKS, isAllowedExternalUrl } = await import('../../src/shared/external-links.js');

/** A web contents as lockDownNavigation sees it: returns its window-open handler. */
function newContents(): (details: { url: string }) => { action: string } {
  let handler: ((details: { url: string }) => { action: string }) | undefined;
  const contents = {
    on: () => undefined,
    setWindowOpenHandler: (h: typeof handler) => {
      handler = h;
    },
  };
  for (const listener of electron.created) listener({}, contents);
  return handler!;
}

beforeEach(() => {
  electron.created.length = 0;
  electron.openExternal.mockClear();
});

describe('window.open from the page', () => {
  it('opens only the documentation links the app knows, exactly; never a new window', () => {
    lockDownNavigation(() => false);
    const open = newContents();
    for (const url of Object.values(EXTERNAL_LINKS)) expect(open({ url })).toEqual({ action: 'deny' });
    expect(electron.openExternal.mock.calls.map(([url]) => url)).toEqual(Object.values(EXTERNAL_LINKS));
    electron.openExternal.mockClear();
    for (const url of [
      'https://evil.example/phish',
      'http://ossci-datasets.s3.amazonaws.com/mnist/',
      `${EXTERNAL_LINKS.mnist}?next=https://evil.example`,
      'https://user@ossci-datasets.s3.amazonaws.com/mnist/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(open({ url })).toEqual({ action: 'deny' });
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
    expect(electron.openExternal).not.toHaveBeenCalled();
  });
});

describe('DevTools', () => {
  it('are disabled in a packaged build and available in development', () => {
    electron.isPackaged = true;
    expect(secureWebPreferences('/preload.js')).toMatchObject({ devTools: false, sandbox: true });
    electron.isPackaged = false;
    expect(secureWebPreferences('/preload.js')).toMatchObject({ devTools: true, sandbox: true });
    expect(secureWebPreferences('/preload.js', true)).toMatchObject({ devTools: false });
  });
});
