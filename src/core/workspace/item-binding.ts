import { createHash, randomBytes } from 'node:crypto';
import type { ContainerBinding, ContainerHeader } from '../crypto/container.js';
import { BOUND_CONTAINER_VERSION } from '../crypto/container.js';
import { CipherLensError } from '../errors.js';
import type { ItemRecord } from './item-record.js';

/** The record fields a version-2 container is bound to. */
export type BindingFields = Pick<ItemRecord, 'id' | 'keyFingerprint' | 'condition' | 'size' | 'sourceKey'> & {
  seal: string;
};

/** A fresh seal: 16 random bytes as 32 hex digits, new for every container written for an item. */
export const newSeal = (): string => randomBytes(16).toString('hex');

/**
 * The record digest of docs/encryption.md §7: SHA-256 over the ASCII string
 * "cipherlens-item-v2" NUL id NUL key fingerprint NUL condition NUL N (decimal) NUL source key NUL seal.
 * The seal changes whenever the item's container is rewritten (key rotation), so an older container of the
 * same item — even one under the same key again after a rotation back — no longer matches.
 */
export function recordDigest(fields: BindingFields): string {
  const text = [
    'cipherlens-item-v2',
    fields.id,
    fields.keyFingerprint,
    fields.condition,
    String(fields.size),
    fields.sourceKey,
    fields.seal,
  ].join('\0');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function bindingOf(fields: BindingFields): ContainerBinding {
  return { itemId: fields.id, recordDigest: recordDigest(fields) };
}

/**
 * Is this container the one its record names? Checked on every read, on the header (structure only): the MAC,
 * verified by whoever decrypts, covers the same bytes, so a header edited to pass here fails there.
 *
 * - version 2: its item id must be this item's and its record digest this record's (a container moved from
 *   another item, or an older copy of this one put back, fails: INTEGRITY);
 * - version 1 (written before items were bound): accepted only while the record has no seal — a record that
 *   was written with a bound container never accepts an unbound one.
 *
 * A container under another key than the record's is left to the key check (WRONG_KEY) of whoever opens it.
 */
export function checkBinding(record: ItemRecord, header: ContainerHeader): void {
  const what = `the encrypted file of image ${record.name} (${record.id})`;
  // Under another key than its record says: opening it with the record's key fails as WRONG_KEY, which says
  // more than a binding error would.
  if (header.keyFingerprint !== record.keyFingerprint) return;
  if (header.version !== BOUND_CONTAINER_VERSION) {
    if (record.seal === undefined) return;
    throw new CipherLensError(
      'INTEGRITY',
      `${what} is not the one its record names: an unbound (version ${header.version}) container was put in place of its bound one; the image is marked damaged`,
    );
  }
  if (header.itemId !== record.id) {
    throw new CipherLensError(
      'INTEGRITY',
      `${what} belongs to another image (${header.itemId}): containers were swapped or copied between items; the image is marked damaged`,
    );
  }
  if (record.seal === undefined || header.recordDigest !== recordDigest({ ...record, seal: record.seal })) {
    throw new CipherLensError(
      'INTEGRITY',
      `${what} does not match its record: an older copy was put back, or the record was edited; the image is marked damaged`,
    );
  }
}
