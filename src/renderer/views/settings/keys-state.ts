import type { KeyInfo } from '../../../shared/index.js';
import type { KeysStatus, WorkspaceState } from '../../app/store.js';

/** What the keys panel decides, apart from drawing it (tested in test/renderer/keys.test.ts). */

// Key files are small JSON; anything bigger is not a key file and is refused before upload.
export const MAX_KEY_FILE_BYTES = 64 * 1024;
export const MIN_PASSPHRASE_LENGTH = 8;

export interface KeyRowModel {
  key: KeyInfo;
  active: boolean;
  /** "label · N workspace images · added …" */
  details: string;
}

export interface KeyListModel {
  /** "Keys are stored …", empty before the status is loaded. */
  storage: string;
  rows: KeyRowModel[];
  /** Shown in place of the rows when the ring holds no key. */
  empty: string | null;
}

export function keyListModel(
  status: KeysStatus | null,
  workspace: WorkspaceState | null,
  formatDate: (iso: string) => string = (iso) => new Date(iso).toLocaleDateString(),
): KeyListModel {
  if (!status) return { storage: '', rows: [], empty: null };
  const rows = status.keys.map((key) => {
    const count = workspace?.keys.find((k) => k.fingerprint === key.fingerprint)?.count ?? 0;
    return {
      key,
      active: key.fingerprint === status.active?.fingerprint,
      details: [
        key.label || 'no label',
        `${count} workspace images`,
        key.isDemo ? 'shipped with CipherLens' : `added ${formatDate(key.addedAt)}`,
      ].join(' · '),
    };
  });
  return {
    storage: `Keys are stored ${status.storage}.`,
    rows,
    empty: rows.length === 0 ? 'No keys yet — generate one, or import a key file.' : null,
  };
}

export interface Problem {
  title: string;
  message: string;
}

/** Why an export passphrase cannot be used, or null. */
export function exportPassphraseProblem(passphrase: string, repeated: string): Problem | null {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    return {
      title: 'Passphrase too short',
      message: `Use at least ${MIN_PASSPHRASE_LENGTH} characters: the passphrase is all that protects the exported key.`,
    };
  }
  if (passphrase !== repeated)
    return { title: 'Passphrases do not match', message: 'The two passphrases differ.' };
  return null;
}

/** Why a picked file is not worth uploading as a key file, or null. */
export function keyFileProblem(file: { name: string; size: number }): Problem | null {
  if (file.size <= MAX_KEY_FILE_BYTES) return null;
  return {
    title: 'Key import failed',
    message: `${file.name} is ${file.size} bytes; a CipherLens key file is a small JSON file.`,
  };
}

/**
 * Exports to `path` without replacing a file unasked: when the back end answers ALREADY_EXISTS, the person is
 * asked, and only a yes exports again with overwrite. Without a path (browser download) there is nothing to replace.
 */
export async function exportWithoutClobbering<T>(
  exportTo: (overwrite: boolean) => Promise<T>,
  path: string | undefined,
  confirmReplace: (path: string) => boolean,
): Promise<T> {
  try {
    return await exportTo(false);
  } catch (error) {
    if (!path || (error as { code?: unknown }).code !== 'ALREADY_EXISTS' || !confirmReplace(path))
      throw error;
    return exportTo(true);
  }
}
