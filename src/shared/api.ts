import { z } from 'zod';
import { ApiErrorSchema, type ApiErrorPayload } from './common.js';
import { isOperationName, type OperationName } from './operation-names.js';
import {
  API_OPERATIONS,
  type OperationRequest,
  type OperationResponse,
  type ParsedRequest,
} from './operations.js';
import type { JobEvent } from './system.js';

/** Operations whose request has no required field can be called without an argument. */
type ApiMethod<N extends OperationName> =
  Record<string, never> extends OperationRequest<N>
    ? (request?: OperationRequest<N>) => Promise<OperationResponse<N>>
    : (request: OperationRequest<N>) => Promise<OperationResponse<N>>;

export type ApiMethods = { [N in OperationName]: ApiMethod<N> };

/**
 * The one API the renderer codes against, implemented by the Electron preload (`window.cipherlens`) and by
 * the browser host's fetch + SSE transport. Every failure rejects with a `CipherLensApiError`.
 */
export interface CipherLensApi extends ApiMethods {
  /** Job progress; the listener gets every state change of every job. Returns an unsubscribe function. */
  onJobEvent(listener: (event: JobEvent) => void): () => void;
}

/** The back end's view: requests arrive validated, with defaults applied. */
export type ApiHandlers = {
  [N in OperationName]: (request: ParsedRequest<N>) => Promise<OperationResponse<N>>;
};

/** A failed API call as the renderer sees it: `code` mirrors core's ErrorCode, `message` is fit to show. */
export class CipherLensApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CipherLensApiError';
    this.code = code;
  }
  static fromPayload(payload: unknown): CipherLensApiError {
    const parsed = ApiErrorSchema.safeParse(payload);
    if (parsed.success) return new CipherLensApiError(parsed.data.code, parsed.data.message);
    return new CipherLensApiError('INTERNAL', 'the back end sent an error without a message');
  }
  toPayload(): ApiErrorPayload {
    return { code: this.code, message: this.message };
  }
}

/** One readable line per problem: "k: must be at most 500; source.kind: …". */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'request';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Validate a request for `operation`; throws BAD_INPUT naming the operation and every problem. */
export function parseRequest<N extends OperationName>(operation: N, payload: unknown): ParsedRequest<N> {
  const result = API_OPERATIONS[operation].request.safeParse(payload ?? {});
  if (!result.success) {
    throw new CipherLensApiError(
      'BAD_INPUT',
      `invalid ${operation} request: ${describeZodError(result.error)}`,
    );
  }
  return result.data as ParsedRequest<N>;
}

/** Validate a response before it leaves the back end; a mismatch is our bug, reported as INTERNAL. */
export function parseResponse<N extends OperationName>(operation: N, payload: unknown): OperationResponse<N> {
  const result = API_OPERATIONS[operation].response.safeParse(payload);
  if (!result.success) {
    throw new CipherLensApiError(
      'INTERNAL',
      `the back end produced an invalid ${operation} response: ${describeZodError(result.error)}`,
    );
  }
  return result.data as OperationResponse<N>;
}

export function requireOperationName(value: string): OperationName {
  if (isOperationName(value)) return value;
  throw new CipherLensApiError('NOT_FOUND', `unknown API operation "${value}"`);
}
