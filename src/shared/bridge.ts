import type { ApiErrorPayload } from './common.js';
import type { OperationName } from './operation-names.js';
import type { JobEvent } from './system.js';

/**
 * What crosses IPC for every call. Errors travel as data because contextBridge and ipcMain.handle drop
 * everything of a thrown error but its message.
 */
export type ApiEnvelope = { ok: true; value: unknown } | { ok: false; error: ApiErrorPayload };

/** `window.cipherlens` as the preload exposes it; src/renderer/api wraps it into a CipherLensApi. */
export type CipherLensBridge = { [N in OperationName]: (request?: unknown) => Promise<ApiEnvelope> } & {
  onJobEvent(listener: (event: JobEvent) => void): () => void;
  /** The path of a dropped or picked File (Electron's webUtils.getPathForFile); "" when it has none. */
  pathForFile(file: File): string;
};
