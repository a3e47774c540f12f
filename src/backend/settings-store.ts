import { z } from 'zod';
import { CipherLensError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs/atomic.js';
import { readRegularText } from '../core/fs/read.js';

const settingsSchema = z.object({
  workspacePath: z.string().nullable().default(null),
  activeKey: z.string().nullable().default(null),
  activeModel: z.string().nullable().default(null),
  executionProvider: z.string().default('auto'),
  threads: z.number().int().min(0).default(0),
  /** Retrieval index backend (docs/retrieval.md): auto = exact, then HNSW above AUTO_ANN_FROM vectors. */
  retrievalStore: z.enum(['auto', 'exact', 'ann', 'pgvector']).default('auto'),
  /**
   * postgres://user@host:port/db, never with a password (pgvector-store.ts checkPgUrl): the password is read by
   * node-postgres from ~/.pgpass or $PGPASSFILE (libpq's password file, mode 0600), never from settings.
   */
  pgvectorUrl: z.string().nullable().default(null),
  pgvectorSearch: z.enum(['hnsw', 'exact']).default('hnsw'),
});
export type StoredSettings = z.infer<typeof settingsSchema>;

/** The person's choices, kept across launches in the host's state folder (settings.json). */
export class SettingsStore {
  private constructor(
    private readonly path: string,
    private current: StoredSettings,
  ) {}

  static async open(path: string): Promise<SettingsStore> {
    let value: unknown = {};
    try {
      value = JSON.parse(await readRegularText(path, 1024 * 1024));
    } catch (error) {
      if (!(error instanceof CipherLensError && error.code === 'NOT_FOUND')) {
        throw new CipherLensError(
          'BAD_FORMAT',
          `settings file ${path} is damaged: ${(error as Error).message}`,
        );
      }
    }
    const parsed = settingsSchema.safeParse(value);
    // A damaged field falls back to its default rather than locking the person out of the app.
    return new SettingsStore(path, parsed.success ? parsed.data : settingsSchema.parse({}));
  }

  get(): Readonly<StoredSettings> {
    return this.current;
  }

  async update(patch: Partial<StoredSettings>): Promise<StoredSettings> {
    const next = settingsSchema.parse({ ...this.current, ...patch });
    await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
    this.current = next;
    return next;
  }
}
