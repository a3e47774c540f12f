import { join } from 'node:path';
import type { CipherKey } from '../../core/crypto/keys.js';
import { CipherLensError } from '../../core/errors.js';
import {
  readPendingRekey,
  refuseRekeyWithPendingImport,
  rekeyWorkspace,
} from '../../core/workspace/rekey.js';
import type { BackendContext } from '../context.js';
import type { HandlerGroup } from './types.js';

/** A key of the ring, or an error that says what to do about it. */
function ringKey(context: BackendContext, fingerprint: string, role: 'old' | 'new'): CipherKey {
  if (!context.keys.list().some((entry) => entry.fingerprint === fingerprint)) {
    throw new CipherLensError(
      'NOT_FOUND',
      role === 'old'
        ? `key ${fingerprint} is not in this app's key ring, so its images cannot be opened to re-encrypt them: import its key file first (Settings → Keys)`
        : `key ${fingerprint} is not in this app's key ring: generate or import it first (Settings → Keys)`,
    );
  }
  return context.keys.key(fingerprint);
}

export function rekeyHandlers(
  context: BackendContext,
): HandlerGroup<'workspaceRekey' | 'workspaceRekeyStatus' | 'workspaceRekeyCancel'> {
  return {
    async workspaceRekey(request) {
      const from = ringKey(context, request.fromFingerprint, 'old');
      const to = ringKey(context, request.toFingerprint, 'new');
      if (from.fingerprint === to.fingerprint) {
        throw new CipherLensError('BAD_INPUT', 'the old and the new key are the same key');
      }
      const workspace = context.workspace;
      await refuseRekeyWithPendingImport(workspace);
      return context.rekey.start(
        workspace.path,
        { from: from.fingerprint, to: to.fingerprint },
        async (job) => {
          const outcome = await rekeyWorkspace(workspace, {
            from,
            to,
            signal: job.signal,
            onProgress: (done, total, message) => job.progress(done, total, message),
          });
          await context.retrieval.forget(
            outcome.indexesRemoved.map((name) => join(workspace.layout.indexes, name)),
          );
          // Unless nothing could be moved at all, the new key is where the images are now.
          const activated = request.activate && !(outcome.rekeyed === 0 && outcome.failed.length > 0);
          if (activated) await context.activateKey(to.fingerprint);
          return { ...outcome, activated };
        },
      );
    },
    async workspaceRekeyStatus() {
      const workspace = context.workspace;
      const current = context.rekey.state(workspace.path);
      const pending = current?.status === 'running' ? null : await readPendingRekey(workspace);
      return {
        current,
        interrupted: pending && {
          from: pending.from,
          to: pending.to,
          startedAt: pending.startedAt,
          remaining: workspace.list().filter((item) => item.keyFingerprint === pending.from).length,
        },
      };
    },
    async workspaceRekeyCancel() {
      context.rekey.cancel();
      return { ok: true as const };
    },
  };
}
