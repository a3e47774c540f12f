import { CipherLensApiError, parseRequest, parseResponse, type ApiHandlers } from '../shared/api.js';
import type { ApiErrorPayload } from '../shared/common.js';
import { requireOperationName } from '../shared/api.js';
import type { JobState } from '../shared/system.js';
import { describeError, isCipherLensError } from '../core/errors.js';
import { fromFsError, fsErrorOf } from '../core/fs/errors.js';
import { requestPaths } from '../shared/request-paths.js';
import { BackendContext, pathSourcesAllowed, type AppServiceOptions } from './context.js';
import { attackHandlers } from './handlers/attacks.js';
import { classifyHandlers } from './handlers/classify.js';
import { dicomHandlers } from './handlers/dicom.js';
import { evaluateHandlers } from './handlers/evaluate.js';
import { importHandlers } from './handlers/import.js';
import { keyHandlers } from './handlers/keys.js';
import { mapHandlers } from './handlers/map.js';
import { modelHandlers } from './handlers/models.js';
import { pacsHandlers } from './handlers/pacs.js';
import { previewHandlers } from './handlers/preview.js';
import { rekeyHandlers } from './handlers/rekey.js';
import { retrieveHandlers } from './handlers/retrieve.js';
import { systemHandlers } from './handlers/system.js';
import { workspaceHandlers } from './handlers/workspace.js';

export type { AppServiceOptions } from './context.js';

/** The back end both hosts share: validated calls in, validated responses or an error payload out. */
export interface AppService {
  readonly handlers: ApiHandlers;
  /**
   * Validates `payload` for `operation`, runs it, validates the response. Throws CipherLensApiError
   * (BAD_INPUT for a bad payload, the core error's code otherwise); never anything else.
   */
  call(operation: string, payload: unknown): Promise<unknown>;
  onJobEvent(listener: (event: JobState) => void): () => void;
  /** Cancels running jobs and closes the inference engine. */
  close(): Promise<void>;
  readonly context: BackendContext;
}

export async function createAppService(options: AppServiceOptions): Promise<AppService> {
  const context = await BackendContext.create(options);
  const handlers: ApiHandlers = {
    ...systemHandlers(context),
    ...modelHandlers(context),
    ...keyHandlers(context),
    ...workspaceHandlers(context),
    ...dicomHandlers(context),
    ...rekeyHandlers(context),
    ...importHandlers(context),
    ...pacsHandlers(context),
    ...previewHandlers(context),
    ...classifyHandlers(context),
    ...retrieveHandlers(context),
    ...mapHandlers(context),
    ...evaluateHandlers(context),
    ...attackHandlers(context),
  };
  const pathsAllowed = pathSourcesAllowed(options);
  return {
    handlers,
    context,
    async call(operationName, payload) {
      try {
        const operation = requireOperationName(operationName);
        const request = parseRequest(operation, payload);
        if (!pathsAllowed && requestPaths(operation, payload).length > 0) {
          throw new CipherLensApiError(
            'UNAUTHORIZED',
            `${operation}: this host does not accept file paths from the page (path sources are off in the browser host): upload the file instead, or restart the host with --allow-paths`,
          );
        }
        const handler = handlers[operation] as (request: unknown) => Promise<unknown>;
        return parseResponse(operation, await handler(request));
      } catch (error) {
        // A full disk, a read-only folder, a refused permission: said as such (fs/errors.ts), not INTERNAL.
        throw toApiError(await fromFsError(error), options.log);
      }
    },
    onJobEvent: (listener) => context.jobs.onEvent(listener),
    close: () => context.close(),
  };
}

/** Core errors keep their code and message; anything unexpected becomes INTERNAL (and is logged). */
export function toApiError(error: unknown, log?: (message: string) => void): CipherLensApiError {
  if (error instanceof CipherLensApiError) return error;
  if (isCipherLensError(error)) return new CipherLensApiError(error.code, error.message);
  const fsError = fsErrorOf(error);
  if (fsError) return new CipherLensApiError(fsError.code, fsError.message);
  log?.(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new CipherLensApiError('INTERNAL', `unexpected error: ${describeError(error)}`);
}

export function errorPayload(error: unknown): ApiErrorPayload {
  return toApiError(error).toPayload();
}
