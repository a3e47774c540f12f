// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { KeysStatus, WorkspaceState } from '../../src/renderer/app/store.js';
import { createKeysPanel } from '../../src/renderer/views/settings/keys.js';
import {
  exportPassphraseProblem,
  exportWithoutClobbering,
  keyFileProblem,
  keyListModel,
  MAX_KEY_FILE_BYTES,
} from '../../src/renderer/views/settings/keys-state.js';
import { fakeContext, settle } from './harness.js';

const demo = {
  fingerprint: 'aaaaaaaaaaaaaaaa',
  label: 'Demo',
  isDemo: true,
  addedAt: '2026-01-01T00:00:00.000Z',
};
const mine = {
  fingerprint: 'bbbbbbbbbbbbbbbb',
  label: '',
  isDemo: false,
  addedAt: '2026-03-04T00:00:00.000Z',
};
const status: KeysStatus = { active: mine, keys: [demo, mine], storage: 'in a test' };
const workspace = {
  keys: [{ fingerprint: demo.fingerprint, count: 12 }],
} as unknown as WorkspaceState;

describe('keys panel state', () => {
  it('lists each key with its workspace image count, marking the active one', () => {
    const model = keyListModel(status, workspace, (iso) => iso.slice(0, 10));
    expect(model.storage).toBe('Keys are stored in a test.');
    expect(model.empty).toBeNull();
    expect(model.rows.map((row) => [row.key.fingerprint, row.active, row.details])).toEqual([
      [demo.fingerprint, false, 'Demo · 12 workspace images · shipped with CipherLens'],
      [mine.fingerprint, true, 'no label · 0 workspace images · added 2026-03-04'],
    ]);
  });

  it('says so when the ring is empty, and shows nothing before the status is loaded', () => {
    expect(keyListModel({ active: null, keys: [], storage: 'x' }, null).empty).toMatch(/No keys yet/);
    expect(keyListModel(null, null)).toEqual({ storage: '', rows: [], empty: null });
  });

  it('refuses short or mismatched export passphrases', () => {
    expect(exportPassphraseProblem('short', 'short')?.title).toBe('Passphrase too short');
    expect(exportPassphraseProblem('long enough', 'long enougH')?.title).toBe('Passphrases do not match');
    expect(exportPassphraseProblem('long enough', 'long enough')).toBeNull();
  });

  it('refuses a key file too large to be one, before uploading it', () => {
    expect(keyFileProblem({ name: 'k.json', size: MAX_KEY_FILE_BYTES })).toBeNull();
    expect(keyFileProblem({ name: 'big.bin', size: MAX_KEY_FILE_BYTES + 1 })?.message).toMatch(/big\.bin is/);
  });

  it('replaces an existing export file only when the person says yes', async () => {
    const exists = Object.assign(new Error('exists'), { code: 'ALREADY_EXISTS' });
    const attempts: boolean[] = [];
    const exportTo = async (overwrite: boolean): Promise<string> => {
      attempts.push(overwrite);
      if (!overwrite) throw exists;
      return 'written';
    };
    await expect(exportWithoutClobbering(exportTo, '/k.json', () => false)).rejects.toBe(exists);
    expect(attempts).toEqual([false]);
    await expect(exportWithoutClobbering(exportTo, '/k.json', () => true)).resolves.toBe('written');
    expect(attempts).toEqual([false, false, true]);
    // A download (no path) has nothing to replace: the error stands, nobody is asked.
    await expect(
      exportWithoutClobbering(exportTo, undefined, () => {
        throw new Error('must not ask');
      }),
    ).rejects.toBe(exists);
  });
});

describe('keys panel (happy-dom)', () => {
  it('renders the rows from the store and selects a key through the API', async () => {
    const context = fakeContext({
      keysStatus: () => status,
      workspaceInfo: () => workspace,
      modelsList: () => ({ models: [], activeId: null }),
      keysSelect: () => ({}),
      workspaceRekeyStatus: () => ({ current: null, interrupted: null }),
    });
    const panel = createKeysPanel(context);
    document.body.append(panel);
    await context.store.refresh('keys', 'workspace');
    const rows = [...panel.querySelectorAll<HTMLElement>('[data-testid="key-row"]')];
    expect(rows.map((row) => row.dataset.fingerprint)).toEqual([demo.fingerprint, mine.fingerprint]);
    expect(rows[1]!.classList.contains('active')).toBe(true);
    expect(rows[0]!.textContent).toContain('PUBLIC demo key');
    const use = [...rows[0]!.querySelectorAll('button')].find((b) => b.textContent === 'Use this key')!;
    use.click();
    await settle();
    expect(context.calls('keysSelect')).toEqual([{ fingerprint: demo.fingerprint }]);
  });

  it('opens the export form and refuses a short passphrase without calling the back end', async () => {
    const context = fakeContext({
      keysStatus: () => status,
      workspaceRekeyStatus: () => ({ current: null, interrupted: null }),
    });
    const panel = createKeysPanel(context);
    document.body.append(panel);
    await context.store.refresh('keys');
    const exportButton = [...panel.querySelectorAll('button')].find((b) => b.textContent === 'Export…')!;
    exportButton.click();
    const passphrase = panel.querySelector<HTMLInputElement>('[data-testid="export-passphrase"]')!;
    passphrase.value = 'short';
    panel.querySelector<HTMLButtonElement>('[data-testid="export-run"]')!.click();
    await settle();
    expect(context.calls('keysExport')).toEqual([]);
  });
});
