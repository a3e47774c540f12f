import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { ApiEnvelope, CipherLensBridge } from '../shared/bridge.js';
import {
  GRANT_DROPPED_PATH_CHANNEL,
  ipcChannel,
  JOB_EVENT_CHANNEL,
  OPERATION_NAMES,
} from '../shared/operation-names.js';
import type { JobEvent } from '../shared/system.js';

// Sandboxed preload: only `electron` may be required, so this file bundles the operation names and
// nothing else. Each API call is one named function; the renderer never sees ipcRenderer itself.
const calls = Object.fromEntries(
  OPERATION_NAMES.map((operation) => [
    operation,
    (request?: unknown): Promise<ApiEnvelope> => ipcRenderer.invoke(ipcChannel(operation), request ?? {}),
  ]),
);

const bridge: CipherLensBridge = {
  ...(calls as Omit<CipherLensBridge, 'onJobEvent' | 'pathForFile'>),
  onJobEvent(listener) {
    const forward = (_event: Electron.IpcRendererEvent, job: JobEvent): void => listener(job);
    ipcRenderer.on(JOB_EVENT_CHANNEL, forward);
    return () => void ipcRenderer.removeListener(JOB_EVENT_CHANNEL, forward);
  },
  pathForFile(file) {
    // Only a File the person dropped or picked has a path; main accepts back only paths it was told about,
    // synchronously here so the grant lands before the call that uses the path.
    const path = webUtils.getPathForFile(file);
    if (path) ipcRenderer.sendSync(GRANT_DROPPED_PATH_CHANNEL, path);
    return path;
  },
};

contextBridge.exposeInMainWorld('cipherlens', bridge);
