import { app, BrowserWindow, ipcMain, session } from 'electron';
import { createInferenceEngine } from '../core/inference/engine.js';
import { createAppService, type AppService } from '../backend/service.js';
import { describeError } from '../core/errors.js';
import {
  GRANT_DROPPED_PATH_CHANNEL,
  ipcChannel,
  JOB_EVENT_CHANNEL,
  OPERATION_NAMES,
} from '../shared/operation-names.js';
import { APP_ORIGIN, APP_URL, registerAppScheme, serveRenderer } from './app-protocol.js';
import { pickPaths } from './dialogs.js';
import { installPaths } from './install-paths.js';
import { guardedCall, isTrustedSender, originOf } from './ipc-guard.js';
import { grantDroppedPath, PathGrants } from './path-grants.js';
import { safeStorageBox } from './safe-storage-box.js';
import { utilityTransport } from './utility-transport.js';
import { denyAllPermissions, lockDownNavigation, secureWebPreferences } from './window-security.js';

/** electron-vite dev serves the renderer over http; a built app uses cipherlens://app/. */
const DEV_URL = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const appOrigins = [APP_ORIGIN, ...(DEV_URL ? [originOf(DEV_URL)] : [])];
const isAppUrl = (url: string): boolean => appOrigins.includes(originOf(url));

let mainWindow: BrowserWindow | null = null;
/** Paths main handed out (dialogs, drops): the only ones a request may name. */
const grants = new PathGrants();
const log = (message: string): void => void process.stderr.write(`cipherlens: ${message}\n`);

app.enableSandbox();
registerAppScheme();
lockDownNavigation(isAppUrl);

if (!app.requestSingleInstanceLock()) {
  // One instance owns the workspace and key ring; a second launch focuses it instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.whenReady().then(start, (error: unknown) => fail(error));
}

async function start(): Promise<void> {
  const paths = installPaths();
  denyAllPermissions(session.defaultSession);
  serveRenderer(session.defaultSession, paths.rendererDir);

  const service = await createAppService({
    host: 'electron',
    version: app.getVersion(),
    stateDir: paths.stateDir,
    defaultWorkspacePath: paths.defaultWorkspace,
    modelsDirs: [paths.modelsDir, paths.userModelsDir],
    userModelsDir: paths.userModelsDir,
    trainerRoot: paths.trainerRoot,
    demoKeyPath: paths.demoKey,
    dataDir: paths.dataDir,
    cacheDir: paths.cacheDir,
    studyResultsDir: paths.studyResults,
    secretBox: safeStorageBox(),
    pickPaths: async (request) => grants.grant(await pickPaths(mainWindow, request)),
    pathSources: true,
    // ONNX sessions block their thread while running: they live in a utility process, never in main.
    createEngine: (options) =>
      createInferenceEngine({ ...options, transport: () => utilityTransport(paths.inferenceUtility) }),
    log,
  });
  registerIpc(service);
  service.onJobEvent((event) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(JOB_EVENT_CHANNEL, event);
  });
  app.on('before-quit', () => void service.close());
  app.on('window-all-closed', () => app.quit());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openMainWindow(paths.preload);
  });
  openMainWindow(paths.preload);
}

/**
 * One handler per operation; each goes through the guard (sender frame, then the paths it names), then the
 * payload is validated inside service.call.
 */
function registerIpc(service: AppService): void {
  for (const operation of OPERATION_NAMES) {
    ipcMain.handle(ipcChannel(operation), (event, payload: unknown) =>
      guardedCall(
        {
          service,
          grants,
          operation,
          payload,
          frame: event.senderFrame,
          mainFrame: mainWindow?.webContents.mainFrame,
          appOrigins,
        },
        log,
      ),
    );
  }
  // The preload reports the path of a File the person dropped or picked (webUtils.getPathForFile): page
  // scripts cannot reach this channel (context isolation), nor make a File with a path of their choosing.
  ipcMain.on(GRANT_DROPPED_PATH_CHANNEL, (event, path: unknown) => {
    const trusted = isTrustedSender(event.senderFrame, mainWindow?.webContents.mainFrame, appOrigins);
    event.returnValue = grantDroppedPath(grants, trusted, path);
  });
}

function openMainWindow(preload: string): void {
  mainWindow = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    title: 'CipherLens',
    backgroundColor: '#101418',
    show: false,
    webPreferences: secureWebPreferences(preload),
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  void mainWindow.loadURL(DEV_URL ?? APP_URL);
}

function fail(error: unknown): void {
  log(`could not start: ${describeError(error)}`);
  app.exit(1);
}
