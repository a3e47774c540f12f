import { basename } from 'node:path';
import { generateKey, loadKeyFile, parseKeyText, serializeKeyText } from '../../core/crypto/keys.js';
import { writeFileNoClobber } from '../../core/fs/no-clobber.js';
import { writeFileAtomic } from '../../core/fs/atomic.js';
import type { KeyInfo } from '../../shared/keys.js';
import type { BackendContext } from '../context.js';
import type { KeyEntry } from '../key-ring.js';
import type { HandlerGroup } from './types.js';

const toKeyInfo = (entry: KeyEntry): KeyInfo => ({ ...entry });

export function keyHandlers(
  context: BackendContext,
): HandlerGroup<'keysStatus' | 'keysGenerate' | 'keysImport' | 'keysSelect' | 'keysExport'> {
  const activate = (fingerprint: string): Promise<void> => context.activateKey(fingerprint);
  return {
    async keysStatus() {
      const active = context.settings.get().activeKey;
      const keys = context.keys.list().map(toKeyInfo);
      return {
        active: keys.find((k) => k.fingerprint === active) ?? null,
        keys,
        storage: context.keys.storage,
      };
    },
    async keysGenerate(request) {
      const entry = await context.keys.add(generateKey(request.label));
      if (request.activate) await activate(entry.fingerprint);
      return toKeyInfo(entry);
    },
    async keysImport(request) {
      const key =
        request.source.kind === 'path'
          ? await loadKeyFile(request.source.path, request.passphrase)
          : await parseKeyText(request.source.text, request.passphrase, 'the key file');
      const entry = await context.keys.add(key);
      if (request.activate) await activate(entry.fingerprint);
      return toKeyInfo(entry);
    },
    async keysSelect(request) {
      const entry = context.keys.entry(request.fingerprint);
      context.keys.key(entry.fingerprint); // fails now, not on first use, when it cannot be unsealed
      await activate(entry.fingerprint);
      return toKeyInfo(entry);
    },
    async keysExport(request) {
      const key = context.keys.key(request.fingerprint);
      const fileName = `cipherlens-${key.fingerprint}.key`;
      const options = { passphrase: request.passphrase, notice: 'passphrase-protected CipherLens key' };
      if (request.path) {
        const text = await serializeKeyText(key, options);
        // Never over an existing file unless the person confirmed it (the UI asks, then sends overwrite: true).
        if (request.overwrite) await writeFileAtomic(request.path, text, { mode: 0o600 });
        else await writeFileNoClobber(request.path, text, { mode: 0o600 });
        return {
          fingerprint: key.fingerprint,
          fileName: basename(request.path),
          path: request.path,
          protectedText: null,
        };
      }
      return {
        fingerprint: key.fingerprint,
        fileName,
        path: null,
        protectedText: await serializeKeyText(key, options),
      };
    },
  };
}
