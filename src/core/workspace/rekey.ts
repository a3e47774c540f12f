import { access, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { createImageCipher } from '../crypto/cipher.js';
import { decryptContainer, readContainerHeader, sealCiphertext } from '../crypto/container.js';
import { openSidecar, readSidecarHeader, sealSidecar } from '../crypto/sidecar.js';
import type { CipherKey } from '../crypto/keys.js';
import { CipherLensError, describeError, isCipherLensError } from '../errors.js';
import type { ItemRecord } from './item-record.js';
import type { BoundContainer, SealSidecar, Workspace } from './workspace.js';

export interface RekeyOptions {
  /** The key the images are encrypted with now. */
  from: CipherKey;
  /** The key they are re-encrypted with. */
  to: CipherKey;
  /** Checked between images: a cancelled run keeps every image it finished, on the new key. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface RekeyFailure {
  id: string;
  name: string;
  code: string;
  reason: string;
}

export interface RekeyOutcome {
  from: string;
  to: string;
  /** Images in the workspace when the run started. */
  total: number;
  /** Re-encrypted by this run. */
  rekeyed: number;
  /** Already on the new key (a resumed run, or imported under it). */
  alreadyNew: number;
  /** Images under neither key: left as they are. */
  otherKey: { fingerprint: string; count: number }[];
  /** Images under the old key that it cannot open (damaged, or not what their record says): left as they are. */
  failed: RekeyFailure[];
  /** Embeddings indexes of the old key, removed because no image is left under it (file names in indexes/). */
  indexesRemoved: string[];
}

/** pending-rekey.json: a key rotation in progress; removed when a run completes. */
const pendingRekeySchema = z.object({
  format: z.literal('cipherlens-rekey'),
  from: z.string().regex(/^[0-9a-f]{16}$/),
  to: z.string().regex(/^[0-9a-f]{16}$/),
  startedAt: z.string(),
});
export type PendingRekey = z.infer<typeof pendingRekeySchema>;

/** The rotation that stopped part-way (crash or cancel), if any: running it again continues it. */
export async function readPendingRekey(workspace: Workspace): Promise<PendingRekey | null> {
  try {
    return await workspace.readDocument(workspace.layout.pendingRekey, pendingRekeySchema);
  } catch {
    return null; // A damaged journal only loses the offer to resume; the images themselves are consistent.
  }
}

/**
 * An interrupted import would be resumed under the new key and, not recognising the images it already stored
 * (their import identity includes the key), would add them a second time: it must finish first.
 */
export async function refuseRekeyWithPendingImport(workspace: Workspace): Promise<void> {
  try {
    await access(workspace.layout.pendingImport);
  } catch {
    return;
  }
  throw new CipherLensError(
    'BAD_INPUT',
    `an interrupted import is waiting to be resumed in ${workspace.path}: resume it first (Library → Resume import), ` +
      `or delete ${workspace.layout.pendingImport} to give it up; re-encrypting now would make the resumed import add its images again`,
  );
}

/**
 * Re-encrypts every image of the workspace from one key to another (key rotation). Crash-safe: each image is
 * switched by Workspace.replaceContainer, so at every moment each record names a container that opens with
 * the key it names; a killed run loses nothing. Resumable: images already on the new key are skipped, so
 * running it again finishes the job. Images under a third key, and images the old key cannot open, are left
 * alone and reported. A failing write (disk full, permissions) stops the run.
 */
export async function rekeyWorkspace(workspace: Workspace, options: RekeyOptions): Promise<RekeyOutcome> {
  const { from, to } = options;
  if (from.fingerprint === to.fingerprint) {
    throw new CipherLensError('BAD_INPUT', `both keys are ${from.fingerprint}: choose a different new key`);
  }
  await refuseRekeyWithPendingImport(workspace);
  const items = workspace.list();
  const total = items.length;
  const outcome: RekeyOutcome = {
    from: from.fingerprint,
    to: to.fingerprint,
    total,
    rekeyed: 0,
    alreadyNew: 0,
    otherKey: [],
    failed: [],
    indexesRemoved: [],
  };
  const others = new Map<string, number>();
  const journal: PendingRekey = {
    format: 'cipherlens-rekey',
    from: from.fingerprint,
    to: to.fingerprint,
    startedAt: new Date().toISOString(),
  };
  if (items.some((item) => item.keyFingerprint === from.fingerprint)) {
    await workspace.writeDocument(workspace.layout.pendingRekey, journal);
  }
  for (const [index, listed] of items.entries()) {
    if (options.signal?.aborted) {
      throw new CipherLensError(
        'CANCELLED',
        `re-encryption cancelled after ${index} of ${total} images; every image still opens with the key its record names — run it again to continue`,
      );
    }
    options.onProgress?.(index, total, listed.name);
    const item = workspace.get(listed.id);
    if (!item) continue; // removed meanwhile
    if (item.keyFingerprint === to.fingerprint) {
      outcome.alreadyNew++;
      continue;
    }
    if (item.keyFingerprint !== from.fingerprint) {
      others.set(item.keyFingerprint, (others.get(item.keyFingerprint) ?? 0) + 1);
      continue;
    }
    let container: BoundContainer;
    let sidecar: SealSidecar | undefined;
    try {
      container = await reencrypt(workspace, item, from, to);
      sidecar = await reencryptSidecar(workspace, item, from, to);
    } catch (error) {
      outcome.failed.push({
        id: item.id,
        name: item.name,
        code: isCipherLensError(error) ? error.code : 'INTERNAL',
        reason: describeError(error),
      });
      continue;
    }
    try {
      await workspace.replaceContainer(
        item.id,
        container,
        { keyFingerprint: from.fingerprint },
        sidecar ? { sidecar } : {},
      );
    } catch (error) {
      if (isCipherLensError(error)) throw error;
      throw new CipherLensError(
        'INTERNAL',
        `cannot write the re-encrypted image ${item.name} (${item.id}): ${describeError(error)}. Nothing is lost: ` +
          `every image still opens with the key its record names; fix the cause and run the re-encryption again`,
        { cause: error },
      );
    }
    outcome.rekeyed++;
  }
  outcome.otherKey = [...others.entries()]
    .map(([fingerprint, count]) => ({ fingerprint, count }))
    .sort((a, b) => b.count - a.count || a.fingerprint.localeCompare(b.fingerprint));
  if (!workspace.list().some((item) => item.keyFingerprint === from.fingerprint)) {
    outcome.indexesRemoved = await removeIndexesOf(workspace, from.fingerprint);
  }
  const pending = await readPendingRekey(workspace);
  if (pending?.from === journal.from && pending.to === journal.to) {
    await workspace.removeDocument(workspace.layout.pendingRekey);
  }
  options.onProgress?.(total, total, 'done');
  return outcome;
}

/**
 * The image under the new key, sealed for the item when the workspace switches it (a version-2 container bound
 * to the item and its new record: a version-1 container is upgraded here), and checked to decrypt to the very
 * same pixels before anything is written.
 */
async function reencrypt(
  workspace: Workspace,
  item: ItemRecord,
  from: CipherKey,
  to: CipherKey,
): Promise<BoundContainer> {
  const bytes = await workspace.readContainer(item.id);
  const source = `image ${item.name} (${item.id})`;
  const header = readContainerHeader(bytes, source);
  if (header.keyFingerprint !== from.fingerprint) {
    throw new CipherLensError(
      'WRONG_KEY',
      `${source}: its record says key ${from.fingerprint}, but its encrypted file is under key ${header.keyFingerprint}`,
    );
  }
  let opened: ReturnType<typeof decryptContainer>;
  try {
    opened = decryptContainer(from, bytes, source);
  } catch (error) {
    if (!isCipherLensError(error)) throw error;
    throw new CipherLensError(error.code, `key ${from.fingerprint} cannot open it: ${error.message}`);
  }
  const { condition, size } = opened.header;
  const ciphertext = createImageCipher(to, condition, size).encrypt(opened.pixels);
  const check = createImageCipher(to, condition, size).decrypt(ciphertext);
  if (!Buffer.from(check).equals(Buffer.from(opened.pixels))) {
    throw new CipherLensError(
      'INTERNAL',
      `${source}: the re-encrypted image does not decrypt to the same pixels`,
    );
  }
  return {
    keyFingerprint: to.fingerprint,
    seal: (binding) => {
      const container = sealCiphertext(to, condition, size, ciphertext, opened.metadata, binding);
      // The very container written, opened with the new key: authentic and the same pixels.
      const reopened = decryptContainer(to, container, source).pixels;
      if (!Buffer.from(reopened).equals(Buffer.from(opened.pixels))) {
        throw new CipherLensError(
          'INTERNAL',
          `${source}: the sealed container does not open to the same pixels`,
        );
      }
      return container;
    },
  };
}

/**
 * The item's encrypted sidecar (DICOM details), if it has one, opened with the old key and sealed again with the
 * new one — checked to open to the very same content before anything is written. A sidecar the old key cannot
 * open fails the item like a damaged image: it keeps its key, and the failure is reported.
 */
async function reencryptSidecar(
  workspace: Workspace,
  item: ItemRecord,
  from: CipherKey,
  to: CipherKey,
): Promise<SealSidecar | undefined> {
  const bytes = await workspace.readSidecar(item.id);
  if (!bytes) return undefined;
  const source = `the encrypted details of image ${item.name} (${item.id})`;
  const { kind } = readSidecarHeader(bytes, source);
  const content = await openSidecar(from, bytes, { itemId: item.id, kind }, source);
  return async (itemId, keyFingerprint) => {
    if (keyFingerprint !== to.fingerprint) {
      throw new CipherLensError(
        'INTERNAL',
        `${source}: asked for key ${keyFingerprint}, not ${to.fingerprint}`,
      );
    }
    const sealed = await sealSidecar(to, itemId, kind, content);
    const reopened = await openSidecar(to, sealed, { itemId, kind }, source);
    const same =
      JSON.stringify(reopened.json) === JSON.stringify(content.json) &&
      Buffer.from(reopened.data).equals(Buffer.from(content.data));
    if (!same) {
      throw new CipherLensError(
        'INTERNAL',
        `${source}: the re-encrypted details do not open to the same content`,
      );
    }
    return sealed;
  };
}

async function removeIndexesOf(workspace: Workspace, fingerprint: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(workspace.layout.indexes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const suffix = `--${fingerprint}.clvs`;
  const removed = names.filter((name) => name.endsWith(suffix)).sort();
  for (const name of removed) await rm(join(workspace.layout.indexes, name), { force: true });
  return removed;
}
