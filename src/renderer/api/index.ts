import type { CipherLensBridge } from '../../shared/bridge.js';
import type { CipherLensClient } from './client.js';
import { createElectronClient } from './electron.js';
import { createHttpClient } from './http.js';

export type { CipherLensClient } from './client.js';
export { fileToBase64, uploadSource } from './files.js';
export { CipherLensApiError } from '../../shared/api.js';

declare global {
  interface Window {
    cipherlens?: CipherLensBridge;
  }
}

let client: CipherLensClient | null = null;

/** The API for whichever host serves this page: the Electron preload's bridge, else the browser host over HTTP. */
export function getApi(): CipherLensClient {
  client ??= window.cipherlens ? createElectronClient(window.cipherlens) : createHttpClient();
  return client;
}
