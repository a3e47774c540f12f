import { describe, expect, it } from 'vitest';
import type { KeysStatus, WorkspaceState } from '../../src/renderer/app/store.js';
import {
  imagesByKey,
  keyName,
  plural,
  rekeyOutcome,
  type RekeyState,
} from '../../src/renderer/views/settings/rekey-state.js';

const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';
const keys = {
  active: null,
  storage: 'x',
  keys: [
    { fingerprint: A, label: 'Radiology', isDemo: false, addedAt: '2026-01-01T00:00:00.000Z' },
    { fingerprint: B, label: '', isDemo: false, addedAt: '2026-01-01T00:00:00.000Z' },
  ],
} as KeysStatus;
const workspace = {
  keys: [
    { fingerprint: A, count: 5 },
    { fingerprint: B, count: 0 },
    { fingerprint: C, count: 2 },
  ],
} as unknown as WorkspaceState;

function done(result: Partial<NonNullable<RekeyState['result']>>): RekeyState {
  return {
    status: 'done',
    from: A,
    to: B,
    result: {
      rekeyed: 3,
      alreadyNew: 0,
      otherKey: [],
      failed: [],
      indexesRemoved: [],
      activated: false,
      ...result,
    },
  } as unknown as RekeyState;
}

describe('key rotation state', () => {
  it('names keys with their label and counts in words', () => {
    expect(keyName(keys, A)).toBe(`${A} (Radiology)`);
    expect(keyName(keys, B)).toBe(B);
    expect(keyName(null, C)).toBe(C);
    expect([plural(1, 'image'), plural(2, 'image')]).toEqual(['1 image', '2 images']);
  });

  it('offers only images of held keys other than the target, and names the ones it cannot open', () => {
    expect(imagesByKey(keys, workspace, B)).toEqual({
      movable: [{ fingerprint: A, count: 5 }],
      unknown: [{ fingerprint: C, count: 2 }],
    });
    expect(imagesByKey(keys, workspace, A).movable).toEqual([]);
  });

  it('reports a finished rotation: what moved, what else happened, what failed', () => {
    expect(rekeyOutcome(done({}), 'B')).toEqual({ tone: 'success', title: '3 images re-encrypted to key B' });
    const withDetails = rekeyOutcome(
      done({
        alreadyNew: 1,
        otherKey: [{ fingerprint: C, count: 2 }],
        indexesRemoved: ['m'],
        activated: true,
      }),
      'B',
    );
    expect(withDetails.detail).toBe(
      `1 image already used it; 2 images under other keys left as they were; the old key’s retrieval index was deleted: build it again in Retrieve; key ${B} is now the active key`,
    );
    const failed = Array.from({ length: 7 }, (_, i) => ({
      id: `i${i}`,
      name: `f${i}`,
      code: 'TRUNCATED',
      reason: 'truncated',
    }));
    const failure = rekeyOutcome(done({ failed }), 'B');
    expect(failure.tone).toBe('error');
    expect(failure.title).toBe('3 images re-encrypted to key B, 7 failed');
    expect(failure.detail).toMatch(
      /^7 images could not be opened with key a+ and kept it: f0: truncated; .*f4: truncated; … and 2 more$/,
    );
  });

  it('says how to continue after a cancel, and passes a failure on', () => {
    expect(rekeyOutcome({ status: 'cancelled', from: A, to: B } as RekeyState, 'B').tone).toBe('info');
    const failed = rekeyOutcome(
      { status: 'failed', from: A, to: B, error: { message: 'disk full' } } as RekeyState,
      'B',
    );
    expect(failed).toEqual({ tone: 'error', title: 'Re-encryption failed', detail: 'disk full' });
  });
});
