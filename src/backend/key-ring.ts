import { z } from 'zod';
import { loadKeyFile, parseKey, serializeKey, type CipherKey } from '../core/crypto/keys.js';
import { CipherLensError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs/atomic.js';
import { readRegularText } from '../core/fs/read.js';

/**
 * How keys are protected at rest: Electron seals with the OS keychain (safeStorage); the browser host,
 * which has none, keeps them in a file only the user can read. `description` is shown in Settings.
 */
export interface SecretBox {
  readonly description: string;
  seal(plain: string): Uint8Array;
  open(sealed: Uint8Array): string;
}

export const userOnlyFileBox: SecretBox = {
  description:
    'in keyring.json, readable only by your user account (file mode 0600); not encrypted at rest, because the browser host has no OS keychain',
  seal: (plain) => new TextEncoder().encode(plain),
  open: (sealed) => new TextDecoder().decode(sealed),
};

const keyringSchema = z.object({
  format: z.literal('cipherlens-keyring'),
  version: z.literal(1),
  keys: z.array(
    z.object({
      fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
      label: z.string(),
      addedAt: z.string(),
      sealed: z.string(),
    }),
  ),
});
type KeyringFile = z.infer<typeof keyringSchema>;

export interface KeyEntry {
  fingerprint: string;
  label: string;
  isDemo: boolean;
  addedAt: string;
}

/**
 * The keys this installation knows: the shipped PUBLIC demo key plus generated and imported ones. Key bytes
 * stay here (and in the back end); everything that leaves is a KeyEntry.
 */
export class KeyRing {
  private readonly unsealed = new Map<string, CipherKey>();

  private constructor(
    private readonly path: string,
    private readonly box: SecretBox,
    private file: KeyringFile,
    private readonly demo: { key: CipherKey; addedAt: string } | null,
  ) {
    if (demo) this.unsealed.set(demo.key.fingerprint, demo.key);
  }

  static async open(path: string, box: SecretBox, demoKeyPath: string | null): Promise<KeyRing> {
    let file: KeyringFile = { format: 'cipherlens-keyring', version: 1, keys: [] };
    try {
      file = keyringSchema.parse(JSON.parse(await readRegularText(path, 16 * 1024 * 1024)));
    } catch (error) {
      if (!(error instanceof CipherLensError && error.code === 'NOT_FOUND')) {
        throw new CipherLensError(
          'BAD_FORMAT',
          `the key ring ${path} is damaged: ${(error as Error).message}`,
        );
      }
    }
    let demo: { key: CipherKey; addedAt: string } | null = null;
    if (demoKeyPath) {
      try {
        demo = { key: await loadKeyFile(demoKeyPath), addedAt: '1970-01-01T00:00:00.000Z' };
      } catch {
        demo = null; // A build without the demo key still works with the person's own keys.
      }
    }
    return new KeyRing(path, box, file, demo);
  }

  get storage(): string {
    return this.box.description;
  }

  get demoFingerprint(): string | null {
    return this.demo?.key.fingerprint ?? null;
  }

  list(): KeyEntry[] {
    const own = this.file.keys.map((entry) => ({
      fingerprint: entry.fingerprint,
      label: entry.label,
      isDemo: false,
      addedAt: entry.addedAt,
    }));
    if (!this.demo) return own;
    const demoEntry = {
      fingerprint: this.demo.key.fingerprint,
      label: this.demo.key.label || 'PUBLIC demo key',
      isDemo: true,
      addedAt: this.demo.addedAt,
    };
    return [demoEntry, ...own];
  }

  entry(fingerprint: string): KeyEntry {
    const found = this.list().find((entry) => entry.fingerprint === fingerprint);
    if (!found)
      throw new CipherLensError('NOT_FOUND', `no key with fingerprint ${fingerprint} in the key ring`);
    return found;
  }

  /** The key itself, for the back end only. */
  key(fingerprint: string): CipherKey {
    const cached = this.unsealed.get(fingerprint);
    if (cached) return cached;
    const stored = this.file.keys.find((entry) => entry.fingerprint === fingerprint);
    if (!stored)
      throw new CipherLensError('NOT_FOUND', `no key with fingerprint ${fingerprint} in the key ring`);
    let text: string;
    try {
      text = this.box.open(Buffer.from(stored.sealed, 'base64'));
    } catch (error) {
      throw new CipherLensError(
        'INTEGRITY',
        `key ${fingerprint} cannot be unsealed on this machine (${(error as Error).message}); import it again from its key file`,
      );
    }
    const key = parseKey(text, undefined, `key ${fingerprint}`);
    this.unsealed.set(fingerprint, key);
    return key;
  }

  /** Adds a key (no-op when present); returns its entry. */
  async add(key: CipherKey): Promise<KeyEntry> {
    if (!this.list().some((entry) => entry.fingerprint === key.fingerprint)) {
      const sealed = Buffer.from(this.box.seal(serializeKey(key))).toString('base64');
      const entry = {
        fingerprint: key.fingerprint,
        label: key.label,
        addedAt: new Date().toISOString(),
        sealed,
      };
      const next = { ...this.file, keys: [...this.file.keys, entry] };
      await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
      this.file = next;
      this.unsealed.set(key.fingerprint, key);
    }
    return this.entry(key.fingerprint);
  }
}
