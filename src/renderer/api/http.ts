import { CipherLensApiError, type CipherLensApi } from '../../shared/api.js';
import { API_HEADER } from '../../shared/common.js';
import { OPERATION_NAMES, type OperationName } from '../../shared/operation-names.js';
import type { JobEvent } from '../../shared/system.js';
import type { CipherLensClient } from './client.js';
import { uploadSource } from './files.js';

async function call(base: string, operation: OperationName, request: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${base}/api/${operation}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', [API_HEADER]: '1' },
      body: JSON.stringify(request ?? {}),
    });
  } catch (error) {
    throw new CipherLensApiError(
      'INTERNAL',
      `cannot reach the CipherLens server: ${(error as Error).message}`,
    );
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new CipherLensApiError('INTERNAL', `the server answered ${response.status} with non-JSON text`);
  }
  if (response.ok) return body;
  if (response.status === 401) {
    throw new CipherLensApiError(
      'UNAUTHORIZED',
      'this page is not authorised: open the URL with the token that `npm run serve` printed',
    );
  }
  throw CipherLensApiError.fromPayload((body as { error?: unknown } | null)?.error);
}

/** Job events over one shared EventSource, opened with the first listener and closed with the last. */
function createJobEvents(base: string): CipherLensApi['onJobEvent'] {
  const listeners = new Set<(event: JobEvent) => void>();
  let source: EventSource | null = null;
  const deliver = (message: MessageEvent<string>): void => {
    const event = JSON.parse(message.data) as JobEvent;
    for (const listener of listeners) listener(event);
  };
  return (listener) => {
    listeners.add(listener);
    if (!source) {
      source = new EventSource(`${base}/api/events`, { withCredentials: true });
      source.addEventListener('job', deliver as EventListener);
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && source) {
        source.close();
        source = null;
      }
    };
  };
}

/** The browser-host transport: POST /api/<operation> with JSON, job progress over SSE. */
export function createHttpClient(base = ''): CipherLensClient {
  const methods = Object.fromEntries(
    OPERATION_NAMES.map((name) => [name, (request?: unknown) => call(base, name, request)]),
  );
  const api = { ...methods, onJobEvent: createJobEvents(base) } as CipherLensApi;
  return { ...api, host: 'browser', sourceForFile: uploadSource };
}
