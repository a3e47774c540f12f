import { CipherLensApiError, type CipherLensApi } from '../../shared/api.js';
import type { ApiEnvelope, CipherLensBridge } from '../../shared/bridge.js';
import { OPERATION_NAMES } from '../../shared/operation-names.js';
import type { ImageSource } from '../../shared/common.js';
import type { CipherLensClient } from './client.js';
import { uploadSource } from './files.js';

function unwrap(envelope: ApiEnvelope): unknown {
  if (envelope.ok) return envelope.value;
  throw CipherLensApiError.fromPayload(envelope.error);
}

/** The Electron transport: `window.cipherlens` from the preload, errors turned back into CipherLensApiError. */
export function createElectronClient(bridge: CipherLensBridge): CipherLensClient {
  const methods = Object.fromEntries(
    OPERATION_NAMES.map((name) => [
      name,
      async (request?: unknown) => unwrap(await bridge[name](request ?? {})),
    ]),
  );
  const api = { ...methods, onJobEvent: (listener) => bridge.onJobEvent(listener) } as CipherLensApi;
  return {
    ...api,
    host: 'electron',
    async sourceForFile(file: File): Promise<ImageSource> {
      const path = bridge.pathForFile(file);
      return path ? { kind: 'path', path } : uploadSource(file);
    },
  };
}
