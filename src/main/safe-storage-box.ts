import { safeStorage } from 'electron';
import type { SecretBox } from '../backend/key-ring.js';
import { CipherLensError } from '../core/errors.js';

/** Keys sealed with the OS keychain through safeStorage (call after app "ready"). */
export function safeStorageBox(): SecretBox {
  if (!safeStorage.isEncryptionAvailable()) {
    throw new CipherLensError(
      'DEPENDENCY_MISSING',
      'the operating system offers no secret storage (safeStorage unavailable): CipherLens will not keep keys unprotected',
    );
  }
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null;
  const description =
    backend === 'basic_text'
      ? 'sealed with Electron safeStorage, but no desktop keyring was found (basic_text): the sealing key is a fixed value, so this only obfuscates keys — install/unlock GNOME Keyring or KWallet for real protection'
      : `encrypted at rest with the OS keychain (Electron safeStorage${backend ? `, ${backend}` : ''})`;
  return {
    description,
    seal: (plain) => new Uint8Array(safeStorage.encryptString(plain)),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed)),
  };
}
