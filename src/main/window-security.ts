import { app, shell, type BrowserWindowConstructorOptions, type Session, type WebContents } from 'electron';
import { isAllowedExternalUrl } from '../shared/external-links.js';

/**
 * Every renderer: sandboxed, isolated, no Node, no webviews, no remote content features; no DevTools in a
 * packaged build (a console is one paste away from the whole API).
 */
export function secureWebPreferences(
  preload: string,
  packaged: boolean = app.isPackaged,
): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    preload,
    devTools: !packaged,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** No permission (camera, notifications, geolocation, …) is ever granted to web content. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/**
 * No navigation away from our page and no new windows. The few documentation pages the app links to
 * (EXTERNAL_LINKS, matched exactly) open in the system browser; any other URL is dropped — a script in the page
 * must not be able to send the person anywhere it likes. Applied to every web contents the app ever creates.
 */
export function lockDownNavigation(isAppUrl: (url: string) => boolean): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}
