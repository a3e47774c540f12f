import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { z } from 'zod';
import { CipherLensError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { itemRecordSchema, type ItemRecord, type NewItemRecord } from './item-record.js';
import { workspaceLayout, type WorkspaceLayout } from './layout.js';

const markerSchema = z.object({
  format: z.literal('cipherlens-workspace'),
  version: z.literal(1),
  createdAt: z.string(),
});

/** A problem found while opening: a record that could not be read is reported and left alone, never deleted. */
export interface WorkspaceProblem {
  file: string;
  reason: string;
}

export interface OpenWorkspaceOptions {
  /** Create the folder and marker when missing (refused for a non-empty folder that is not a workspace). */
  create?: boolean;
}

const TEMPORARY = /\.[0-9a-f]{12}\.tmp$/;

/**
 * An on-disk workspace of imported images. Every image is an encrypted container (items/<id>.clens) plus a
 * record (items/<id>.json). Both are written atomically, the container first: an item exists once its record
 * does, so a crash mid-import leaves at worst an orphan container (removed on the next open) and the
 * resumed import redoes exactly that image.
 */
export class Workspace {
  private readonly records = new Map<string, ItemRecord>();
  private readonly bySourceKey = new Map<string, string>();
  readonly problems: WorkspaceProblem[] = [];

  private constructor(readonly layout: WorkspaceLayout) {}

  get path(): string {
    return this.layout.root;
  }

  static async open(root: string, options: OpenWorkspaceOptions = {}): Promise<Workspace> {
    const layout = workspaceLayout(root);
    await ensureMarker(layout, options.create ?? false);
    await mkdir(layout.items, { recursive: true });
    const workspace = new Workspace(layout);
    await workspace.load();
    return workspace;
  }

  private async load(): Promise<void> {
    const names = new Set(await readdir(this.layout.items));
    for (const name of names) {
      if (TEMPORARY.test(name)) {
        // An atomic write that never reached its rename: never read back, so drop it.
        await rm(`${this.layout.items}/${name}`, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      const containerName = this.layout.container(id).slice(this.layout.items.length + 1);
      if (!names.has(containerName)) {
        this.problems.push({ file: name, reason: 'its encrypted image file is missing' });
        continue;
      }
      try {
        const record = itemRecordSchema.parse(JSON.parse(await readFile(this.layout.record(id), 'utf8')));
        if (record.id !== id) throw new Error(`it names item ${record.id}`);
        this.remember(record);
      } catch (error) {
        this.problems.push({
          file: name,
          reason: `unreadable record: ${(error as Error).message.split('\n')[0]}`,
        });
      }
    }
    for (const name of names) {
      const id = name.replace(/\.clens$/, '');
      if (name.endsWith('.clens') && !names.has(`${id}.json`)) {
        // Written by an import that stopped before the record: the resumed import writes it again.
        await rm(this.layout.container(id), { force: true });
      }
    }
  }

  private remember(record: ItemRecord): void {
    this.records.set(record.id, record);
    this.bySourceKey.set(record.sourceKey, record.id);
  }

  /** Every item, oldest import first. */
  list(): ItemRecord[] {
    return [...this.records.values()].sort(
      (a, b) => a.importedAt.localeCompare(b.importedAt) || a.id.localeCompare(b.id),
    );
  }

  get size(): number {
    return this.records.size;
  }

  get(id: string): ItemRecord | undefined {
    return this.records.get(id);
  }

  require(id: string): ItemRecord {
    const record = this.records.get(id);
    if (!record) throw new CipherLensError('NOT_FOUND', `no image with id ${id} in the workspace`);
    return record;
  }

  findBySourceKey(sourceKey: string): ItemRecord | undefined {
    const id = this.bySourceKey.get(sourceKey);
    return id === undefined ? undefined : this.records.get(id);
  }

  /** Stores the encrypted container, then the record: the item is visible only when both are on disk. */
  async add(fields: NewItemRecord, container: Uint8Array): Promise<ItemRecord> {
    const record: ItemRecord = itemRecordSchema.parse({
      ...fields,
      format: 'cipherlens-item',
      version: 1,
      id: randomBytes(9).toString('base64url'),
      importedAt: new Date().toISOString(),
      prediction: null,
    });
    await writeFileAtomic(this.layout.container(record.id), container);
    await writeFileAtomic(this.layout.record(record.id), `${JSON.stringify(record, null, 2)}\n`);
    this.remember(record);
    return record;
  }

  async update(id: string, patch: Partial<Pick<ItemRecord, 'label' | 'prediction'>>): Promise<ItemRecord> {
    const record = itemRecordSchema.parse({ ...this.require(id), ...patch });
    await writeFileAtomic(this.layout.record(id), `${JSON.stringify(record, null, 2)}\n`);
    this.remember(record);
    return record;
  }

  /** Record first, then the container: a crash in between leaves an orphan that the next open removes. */
  async remove(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const record = this.records.get(id);
      if (!record) continue;
      await rm(this.layout.record(id), { force: true });
      this.records.delete(id);
      this.bySourceKey.delete(record.sourceKey);
      await rm(this.layout.container(id), { force: true });
      removed++;
    }
    return removed;
  }

  async readContainer(id: string): Promise<Uint8Array> {
    this.require(id);
    try {
      return await readFile(this.layout.container(id));
    } catch (error) {
      throw new CipherLensError(
        'NOT_FOUND',
        `the encrypted file of image ${id} cannot be read: ${(error as Error).message}`,
      );
    }
  }

  /** A small JSON document (evaluation report, pending import), validated on read; null when absent. */
  async readDocument<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new CipherLensError('INTERNAL', `cannot read ${path}: ${(error as Error).message}`);
    }
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `${path} is damaged: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    return parsed.data;
  }

  async writeDocument(path: string, value: unknown): Promise<void> {
    await writeFileAtomic(path, `${JSON.stringify(value)}\n`);
  }

  async removeDocument(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async diskBytes(): Promise<number> {
    return folderBytes(this.layout.root);
  }
}

async function ensureMarker(layout: WorkspaceLayout, create: boolean): Promise<void> {
  try {
    markerSchema.parse(JSON.parse(await readFile(layout.marker, 'utf8')));
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      throw new CipherLensError('BAD_FORMAT', `${layout.marker} is not a valid CipherLens workspace marker`);
    }
  }
  if (!create) {
    throw new CipherLensError(
      'NOT_FOUND',
      `${layout.root} is not a CipherLens workspace (no workspace.json)`,
    );
  }
  let existing: string[] = [];
  try {
    existing = await readdir(layout.root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CipherLensError(
        'BAD_INPUT',
        `cannot use ${layout.root} as a workspace: ${(error as Error).message}`,
      );
    }
  }
  if (existing.length > 0) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${layout.root} is not empty and is not a CipherLens workspace: choose an empty or new folder`,
    );
  }
  await mkdir(layout.root, { recursive: true });
  const marker = { format: 'cipherlens-workspace', version: 1, createdAt: new Date().toISOString() };
  await writeFileAtomic(layout.marker, `${JSON.stringify(marker, null, 2)}\n`);
}

async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = `${path}/${entry.name}`;
    if (entry.isDirectory()) total += await folderBytes(full);
    else if (entry.isFile()) total += (await stat(full)).size;
  }
  return total;
}
