import { hkdfSync } from 'node:crypto';

/** Version tag mixed into every derivation: a new spec version gives unrelated sub-keys. */
export const SPEC_VERSION = 1;
const HKDF_SALT = Buffer.from('cipherlens-v1', 'ascii');

/** Every HKDF info label the spec uses; each names an independent 32-byte sub-key. */
export const SUBKEY_LABELS = [
  'arnold',
  'keystream',
  'mac',
  'fingerprint',
  'uniform-permutation',
  'sidecar',
  'import-identity',
  'pacs-sop-instance-uid',
] as const;
export type SubkeyLabel = (typeof SUBKEY_LABELS)[number];

/** HKDF-SHA256(ikm = master key, salt = "cipherlens-v1", info = label) → 32 bytes. */
export function deriveSubkey(masterKey: Uint8Array, label: SubkeyLabel): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, HKDF_SALT, Buffer.from(label, 'ascii'), 32));
}
