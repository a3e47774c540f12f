import type { AppService } from '../backend/service.js';
import { errorPayload } from '../backend/service.js';
import type { ApiEnvelope } from '../shared/bridge.js';
import type { PathGrants } from './path-grants.js';

/** What main knows about the frame an IPC message came from (Electron's WebFrameMain, narrowed). */
export interface SenderFrame {
  readonly url: string;
}

/**
 * Only our own window's main frame, showing our own page, may call the API: not an iframe, not a page the
 * window was somehow navigated to, not another window.
 */
export function isTrustedSender(
  frame: SenderFrame | null | undefined,
  mainFrame: SenderFrame | null | undefined,
  appOrigins: readonly string[],
): boolean {
  if (!frame || !mainFrame || frame !== mainFrame) return false;
  return appOrigins.includes(originOf(frame.url));
}

/**
 * scheme://host[:port]. Node's URL gives custom schemes the origin "null", so it is built by hand; an
 * unparsable URL matches nothing.
 */
export function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'invalid:';
  }
}

export const UNTRUSTED_SENDER: ApiEnvelope = {
  ok: false,
  error: { code: 'UNAUTHORIZED', message: 'refused: this call did not come from the CipherLens window' },
};

/** Runs one validated call and wraps the outcome for IPC, where thrown errors would lose their code. */
export async function dispatchToEnvelope(
  service: AppService,
  operation: string,
  payload: unknown,
): Promise<ApiEnvelope> {
  try {
    return { ok: true, value: await service.call(operation, payload) };
  } catch (error) {
    return { ok: false, error: errorPayload(error) };
  }
}

/**
 * The IPC guard every API call goes through, in main, before anything reaches the back end: the sender must be
 * our window's main frame showing our page, and every path the request names must be one main handed out
 * itself (PathGrants).
 */
export async function guardedCall(
  call: {
    service: AppService;
    grants: PathGrants;
    operation: string;
    payload: unknown;
    frame: SenderFrame | null | undefined;
    mainFrame: SenderFrame | null | undefined;
    appOrigins: readonly string[];
  },
  log: (message: string) => void = () => undefined,
): Promise<ApiEnvelope> {
  if (!isTrustedSender(call.frame, call.mainFrame, call.appOrigins)) {
    log(`refused ${call.operation} from ${call.frame?.url ?? 'a destroyed frame'}`);
    return UNTRUSTED_SENDER;
  }
  const refusal = call.grants.refusal(call.operation, call.payload);
  if (refusal) {
    log(`refused ${call.operation}: a path it names was not handed out by main`);
    return refusal;
  }
  return dispatchToEnvelope(call.service, call.operation, call.payload);
}
