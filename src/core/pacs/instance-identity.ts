import { createHmac } from 'node:crypto';
import type { CipherKey } from '../crypto/keys.js';
import { deriveSubkey } from '../crypto/subkeys.js';

/**
 * What a workspace remembers of an instance imported from a PACS, to skip it when the import runs again: a keyed
 * hash of its SOP Instance UID, never the UID itself. UIDs are often built from a hospital's root, a device serial
 * and a time stamp, so a UID in clear can lead back to a patient; an unkeyed hash of one could be confirmed by
 * anyone who can guess or list UIDs. HMAC-SHA256 under a sub-key of the workspace key (HKDF-SHA256, salt
 * "cipherlens-v1", info "pacs-sop-instance-uid", a label of its own so it is independent of the cipher's sub-keys).
 */
export function instanceIdentity(key: CipherKey, sopInstanceUid: string): string {
  const subkey = deriveSubkey(key.bytes, 'pacs-sop-instance-uid');
  return `pacs-sop:${createHmac('sha256', subkey).update(sopInstanceUid, 'ascii').digest('hex')}`;
}
