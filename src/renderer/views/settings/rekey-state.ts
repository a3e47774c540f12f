import type { OperationResponse } from '../../../shared/index.js';
import type { KeysStatus, WorkspaceState } from '../../app/store.js';

/** What the key-rotation area decides and says, apart from drawing it (tested in test/renderer/rekey.test.ts). */

export type RekeyState = OperationResponse<'workspaceRekey'>;

export const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** "1a2b3c4d5e6f7a8b (Radiology 2026)": how a key is named to a person. */
export function keyName(keys: KeysStatus | null, fingerprint: string): string {
  const label = keys?.keys.find((key) => key.fingerprint === fingerprint)?.label;
  return label ? `${fingerprint} (${label})` : fingerprint;
}

/** Workspace images per key other than `target`: keys this app holds (their images can move) and keys it does not. */
export function imagesByKey(
  keys: KeysStatus | null,
  workspace: WorkspaceState | null,
  target: string,
): { movable: { fingerprint: string; count: number }[]; unknown: { fingerprint: string; count: number }[] } {
  const inRing = new Set((keys?.keys ?? []).map((key) => key.fingerprint));
  const counts = (workspace?.keys ?? []).filter((entry) => entry.fingerprint !== target);
  return {
    movable: counts.filter((entry) => inRing.has(entry.fingerprint) && entry.count > 0),
    unknown: counts.filter((entry) => !inRing.has(entry.fingerprint)),
  };
}

/** The message a finished re-encryption leaves: what moved, what failed and why, or how to continue. */
export function rekeyOutcome(
  state: RekeyState,
  toName: string,
): { tone: 'success' | 'error' | 'info'; title: string; detail?: string } {
  if (state.status === 'done' && state.result) {
    const result = state.result;
    if (result.failed.length > 0) {
      const listed = result.failed.slice(0, 5).map((failure) => `${failure.name}: ${failure.reason}`);
      if (result.failed.length > 5) listed.push(`… and ${result.failed.length - 5} more`);
      return {
        tone: 'error',
        title: `${plural(result.rekeyed, 'image')} re-encrypted to key ${toName}, ${result.failed.length} failed`,
        detail: `${plural(result.failed.length, 'image')} could not be opened with key ${state.from} and kept it: ${listed.join('; ')}`,
      };
    }
    const other = result.otherKey.reduce((sum, entry) => sum + entry.count, 0);
    const details = [
      result.alreadyNew > 0 ? `${plural(result.alreadyNew, 'image')} already used it` : '',
      other > 0 ? `${plural(other, 'image')} under other keys left as they were` : '',
      result.indexesRemoved.length > 0
        ? 'the old key’s retrieval index was deleted: build it again in Retrieve'
        : '',
      result.activated ? `key ${state.to} is now the active key` : '',
    ].filter(Boolean);
    return {
      tone: 'success',
      title: `${plural(result.rekeyed, 'image')} re-encrypted to key ${toName}`,
      ...(details.length > 0 ? { detail: details.join('; ') } : {}),
    };
  }
  if (state.status === 'cancelled') {
    return {
      tone: 'info',
      title: 'Re-encryption cancelled',
      detail: `The images done so far use key ${state.to}, the others still use key ${state.from}; each opens with its own key. Choose “Continue re-encryption” to finish.`,
    };
  }
  return { tone: 'error', title: 'Re-encryption failed', detail: state.error?.message ?? 'unknown error' };
}
