import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import {
  BOUND_CONTAINER_VERSION,
  CONTAINER_EXTENSION,
  MAX_CONTAINER_BYTES,
  readContainerHeader,
  type ContainerBinding,
  type ContainerHeader,
} from '../crypto/container.js';
import { readSidecarHeader, SIDECAR_EXTENSION, MAX_SIDECAR_BYTES } from '../crypto/sidecar.js';
import { CipherLensError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readRegularText, readRegularFile } from '../fs/read.js';
import { bindingOf, checkBinding, newSeal } from './item-binding.js';
import { itemRecordSchema, type ItemRecord, type NewItemRecord } from './item-record.js';
import { workspaceLayout, type WorkspaceLayout } from './layout.js';

/**
 * Version 1: every container is items/<id>.clens. Version 2 (written by the first key rotation): a record may
 * name another container file. Version 3 (written by the first import with an encrypted sidecar): records may
 * name a sidecar. A build that knows an older version refuses a newer workspace instead of taking the renamed
 * containers for leftovers, or dropping a record's sidecar field on its next write (the sidecar would then be
 * an orphan and deleted).
 */
const WORKSPACE_VERSION = 3;
const markerSchema = z.object({
  format: z.literal('cipherlens-workspace'),
  version: z.number().int().min(1).max(WORKSPACE_VERSION),
  createdAt: z.string(),
});
type Marker = z.infer<typeof markerSchema>;

/** A problem found while opening: a record that could not be read is reported and left alone, never deleted. */
export interface WorkspaceProblem {
  file: string;
  reason: string;
}

export interface OpenWorkspaceOptions {
  /** Create the folder and marker when missing (refused for a non-empty folder that is not a workspace). */
  create?: boolean;
}

/** Records, the marker and documents are small JSON: larger (or non-regular) files are refused unread. */
export const MAX_RECORD_BYTES = 64 * 1024;
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
/** Files in items/ are written by CipherLens itself: a symbolic link there is not followed. */
const ITEM_FILE = { noFollow: true } as const;

const TEMPORARY = /\.[0-9a-f]{12}\.tmp$/;

/** The item a file in items/ belongs to: ids have no dots, so it is the name up to the first one. */
const itemOf = (name: string): string => name.slice(0, name.indexOf('.') < 0 ? undefined : name.indexOf('.'));
const defaultContainer = (id: string): string => `${id}${CONTAINER_EXTENSION}`;
/** An item's encrypted sidecar under `key`: the fingerprint is in the name, so a key rotation writes a new file. */
const sidecarName = (id: string, keyFingerprint: string): string =>
  `${id}.${keyFingerprint}${SIDECAR_EXTENSION}`;
/** The file holding an item's pixels, encrypted under the key its record names. */
export const containerFileOf = (record: ItemRecord): string =>
  record.container ?? defaultContainer(record.id);

/**
 * An on-disk workspace of imported images. Every image is an encrypted container (items/<id>.clens, or the
 * file its record names after a key rotation) plus a record (items/<id>.json). Both are written atomically,
 * the container first: an item exists once its record does, so a crash mid-import leaves at worst an orphan
 * container (removed on the next open) and the resumed import redoes exactly that image. A container that no
 * record names is removed on open; the one a record names never is.
 */
export class Workspace {
  private readonly records = new Map<string, ItemRecord>();
  private readonly bySourceKey = new Map<string, string>();
  private readonly byContentKey = new Map<string, string>();
  readonly problems: WorkspaceProblem[] = [];
  /** Record and container changes run one at a time, so a relabel never races a key rotation's switch. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly layout: WorkspaceLayout,
    private marker: Marker,
  ) {}

  /** The on-disk format version (workspace.json). */
  get formatVersion(): number {
    return this.marker.version;
  }

  get path(): string {
    return this.layout.root;
  }

  static async open(root: string, options: OpenWorkspaceOptions = {}): Promise<Workspace> {
    const layout = workspaceLayout(root);
    const marker = await ensureMarker(layout, options.create ?? false);
    await mkdir(layout.items, { recursive: true });
    const workspace = new Workspace(layout, marker);
    await workspace.load();
    return workspace;
  }

  private async load(): Promise<void> {
    const names = new Set<string>();
    for (const name of await readdir(this.layout.items)) {
      if (TEMPORARY.test(name)) {
        // An atomic write that never reached its rename: never read back, so drop it.
        await rm(this.layout.itemFile(name), { force: true });
      } else {
        names.add(name);
      }
    }
    // Records that cannot be used: reported, and every file of theirs left alone.
    const leftAlone = new Set<string>();
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      let record: ItemRecord;
      try {
        const text = await readRegularText(this.layout.record(id), MAX_RECORD_BYTES, {
          ...ITEM_FILE,
          what: name,
        });
        record = itemRecordSchema.parse(JSON.parse(text));
        if (record.id !== id) throw new Error(`it names item ${record.id}`);
        if (itemOf(containerFileOf(record)) !== id) {
          throw new Error(`its encrypted image ${record.container} belongs to another item`);
        }
      } catch (error) {
        leftAlone.add(id);
        this.problems.push({
          file: name,
          reason: `unreadable record: ${(error as Error).message.split('\n')[0]}`,
        });
        continue;
      }
      if (!names.has(containerFileOf(record))) {
        leftAlone.add(id);
        this.problems.push({ file: name, reason: 'its encrypted image file is missing' });
        continue;
      }
      this.remember(record);
    }
    for (const name of names) {
      if (!name.endsWith(SIDECAR_EXTENSION)) continue;
      const id = itemOf(name);
      if (leftAlone.has(id) || this.records.get(id)?.sidecar === name) continue;
      // No record names it: an import that stopped before the record, or the old-key copy of a rotated item.
      await rm(this.layout.itemFile(name), { force: true });
    }
    for (const name of names) {
      if (!name.endsWith(CONTAINER_EXTENSION)) continue;
      const id = itemOf(name);
      if (leftAlone.has(id) || leftAlone.has(name.slice(0, -CONTAINER_EXTENSION.length))) continue;
      const record = this.records.get(id);
      if (record && containerFileOf(record) === name) continue;
      // No record names this file: written by an import that stopped before the record (the resumed import
      // writes it again), or the other copy of an image whose key rotation stopped before or after its
      // record switched (the record names the copy that opens with its key).
      await rm(this.layout.itemFile(name), { force: true });
    }
  }

  /** Runs one change of records or containers after the ones before it. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private containerPath(record: ItemRecord): string {
    return this.layout.itemFile(containerFileOf(record));
  }

  private remember(record: ItemRecord): void {
    this.records.set(record.id, record);
    this.bySourceKey.set(record.sourceKey, record.id);
    if (record.contentKey) this.byContentKey.set(record.contentKey, record.id);
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

  findByContentKey(contentKey: string): ItemRecord | undefined {
    const id = this.byContentKey.get(contentKey);
    return id === undefined ? undefined : this.records.get(id);
  }

  findBySourceKey(sourceKey: string): ItemRecord | undefined {
    const id = this.bySourceKey.get(sourceKey);
    return id === undefined ? undefined : this.records.get(id);
  }

  /**
   * Stores the encrypted container, then the record: the item is visible only when both are on disk. Pass a
   * function to have the container bound to the new item (version 2, what imports do): it is called with the
   * item's binding once its id and seal exist. Bytes are stored as given (an unbound version-1 container).
   */
  add(
    fields: NewItemRecord,
    container: Uint8Array | SealContainer,
    sidecar?: SealSidecar,
  ): Promise<ItemRecord> {
    return this.exclusive(() => this.addNow(fields, container, sidecar));
  }

  private async addNow(
    fields: NewItemRecord,
    container: Uint8Array | SealContainer,
    sidecar: SealSidecar | undefined,
  ): Promise<ItemRecord> {
    const sealed = typeof container === 'function';
    const id = randomBytes(9).toString('base64url');
    const record: ItemRecord = itemRecordSchema.parse({
      ...fields,
      format: 'cipherlens-item',
      version: 1,
      id,
      ...(sealed && { seal: newSeal() }),
      ...(sidecar && { sidecar: sidecarName(id, fields.keyFingerprint) }),
      importedAt: new Date().toISOString(),
      prediction: null,
    });
    const bytes = sealed ? sealFor(record, container) : container;
    // Sidecar, container, record: until the record is written, both are leftovers the next open removes.
    if (sidecar && record.sidecar) {
      await this.requireFormat(3);
      await writeFileAtomic(this.layout.itemFile(record.sidecar), await sidecarFor(record, sidecar));
    }
    await writeFileAtomic(this.layout.container(record.id), bytes);
    await writeFileAtomic(this.layout.record(record.id), `${JSON.stringify(record, null, 2)}\n`);
    this.remember(record);
    return record;
  }

  update(id: string, patch: Partial<Pick<ItemRecord, 'label' | 'prediction'>>): Promise<ItemRecord> {
    return this.exclusive(async () => {
      const record = itemRecordSchema.parse({ ...this.require(id), ...patch });
      await this.writeRecord(record);
      return record;
    });
  }

  private async writeRecord(record: ItemRecord): Promise<void> {
    await writeFileAtomic(this.layout.record(record.id), `${JSON.stringify(record, null, 2)}\n`);
    this.remember(record);
  }

  /** Record first, then the container: a crash in between leaves an orphan that the next open removes. */
  remove(ids: readonly string[]): Promise<number> {
    return this.exclusive(async () => {
      let removed = 0;
      for (const id of ids) {
        const record = this.records.get(id);
        if (!record) continue;
        await rm(this.layout.record(id), { force: true });
        this.records.delete(id);
        this.bySourceKey.delete(record.sourceKey);
        if (record.contentKey && this.byContentKey.get(record.contentKey) === id) {
          this.byContentKey.delete(record.contentKey);
        }
        await rm(this.containerPath(record), { force: true });
        if (record.sidecar) await rm(this.layout.itemFile(record.sidecar), { force: true });
        removed++;
      }
      return removed;
    });
  }

  /**
   * Replaces an image's container with one encrypted under another key (key rotation), so that a crash at any
   * moment leaves the record naming a container that exists and opens with the key the record names:
   *
   * 1. the new container is written atomically under the item's other file name (`<id>.clens` ⇄
   *    `<id>.<key>.clens`); until the record names it, it is a leftover the next open removes;
   * 2. the record is rewritten atomically with the new key fingerprint and file name: this rename is the switch;
   * 3. the old container, which no record names any more, is removed (after a crash: by the next open).
   *
   * The new key is read from the container's own header; `expected` is the key the record must still name.
   * A BoundContainer is sealed for the item with a new seal (version 2: bound to the item and to the switched
   * record, so the old copy no longer opens as this image even under the same key); bytes are stored as given.
   *
   * An item with a sidecar keeps it under the same key; under a new key, `options.sidecar` must bring it
   * re-encrypted: it is written before the switch as `<id>.<new key>.clsc` and the old one removed after it, the
   * record naming exactly one of them at every moment. `options.patch` changes the record in the same write (a
   * re-windowed image: its conversion steps and window, and the prediction made from the old pixels).
   */
  replaceContainer(
    id: string,
    replacement: Uint8Array | BoundContainer,
    expected: { keyFingerprint: string },
    options: ReplaceOptions = {},
  ): Promise<ItemRecord> {
    return this.exclusive(async () => {
      const record = this.require(id);
      let container: Uint8Array;
      let seal: string | undefined;
      if (replacement instanceof Uint8Array) {
        container = replacement;
      } else {
        seal = newSeal();
        container = sealFor(
          { ...record, keyFingerprint: replacement.keyFingerprint, seal },
          replacement.seal,
        );
      }
      const header = readContainerHeader(container, `the new container of image ${id}`);
      if (seal === undefined && header.version === BOUND_CONTAINER_VERSION) {
        // Bound to a seal this record will never carry: only a BoundContainer gets a new, matching one.
        throw new CipherLensError(
          'INTERNAL',
          `the new container of image ${id} is already bound: pass a BoundContainer so the workspace seals it`,
        );
      }
      if (record.keyFingerprint !== expected.keyFingerprint) {
        throw new CipherLensError(
          'INTERNAL',
          `image ${id} is under key ${record.keyFingerprint}, not ${expected.keyFingerprint}: it changed meanwhile`,
        );
      }
      if (header.condition !== record.condition || header.size !== record.size) {
        throw new CipherLensError(
          'INTERNAL',
          `the new container of image ${id} is ${header.condition} ${header.size}×${header.size}; the image is ${record.condition} ${record.size}×${record.size}`,
        );
      }
      const keyChanges = header.keyFingerprint !== record.keyFingerprint;
      let nextSidecar: string | undefined;
      if (record.sidecar && keyChanges) {
        if (!options.sidecar) {
          throw new CipherLensError(
            'INTERNAL',
            `image ${id} has an encrypted sidecar: a new key needs it re-encrypted too (ReplaceOptions.sidecar)`,
          );
        }
        nextSidecar = sidecarName(id, header.keyFingerprint);
        const sidecarBytes = await sidecarFor(
          { ...record, keyFingerprint: header.keyFingerprint },
          options.sidecar,
        );
        await writeFileAtomic(this.layout.itemFile(nextSidecar), sidecarBytes);
      }
      await this.allowNamedContainers();
      const current = containerFileOf(record);
      const next =
        current === defaultContainer(id)
          ? `${id}.${header.keyFingerprint}${CONTAINER_EXTENSION}`
          : defaultContainer(id);
      await writeFileAtomic(this.layout.itemFile(next), container);
      const switched: ItemRecord = { ...record, ...options.patch, keyFingerprint: header.keyFingerprint };
      if (seal) switched.seal = seal;
      else delete switched.seal;
      if (next === defaultContainer(id)) delete switched.container;
      else switched.container = next;
      if (nextSidecar) switched.sidecar = nextSidecar;
      await this.writeRecord(itemRecordSchema.parse(switched));
      await rm(this.layout.itemFile(current), { force: true });
      if (nextSidecar && record.sidecar) await rm(this.layout.itemFile(record.sidecar), { force: true });
      return this.require(id);
    });
  }

  /** Marks the workspace as version 2 before the first container is written under another name. */
  private allowNamedContainers(): Promise<void> {
    return this.requireFormat(2);
  }

  /** Raises the marker's version (never lowers it) before the first file that needs it is written. */
  private async requireFormat(version: number): Promise<void> {
    if (this.marker.version >= version) return;
    const upgraded: Marker = { ...this.marker, version };
    await writeFileAtomic(this.layout.marker, `${JSON.stringify(upgraded, null, 2)}\n`);
    this.marker = upgraded;
  }

  async readContainer(id: string): Promise<Uint8Array> {
    let record = this.require(id);
    for (let attempt = 0; ; attempt++) {
      let bytes: Uint8Array;
      try {
        bytes = await readRegularFile(this.containerPath(record), MAX_CONTAINER_BYTES, {
          ...ITEM_FILE,
          what: `the encrypted file of image ${id}`,
        });
      } catch (error) {
        // Not a regular file, too large: said as it is (the item is damaged, not missing).
        if (error instanceof CipherLensError && error.code !== 'NOT_FOUND') throw error;
        // A key rotation may have switched the image to its other file between the lookup and the read.
        const now = this.records.get(id);
        if (attempt === 0 && now && containerFileOf(now) !== containerFileOf(record)) {
          record = now;
          continue;
        }
        throw new CipherLensError(
          'NOT_FOUND',
          `the encrypted file of image ${id} cannot be read: ${(error as Error).message}`,
        );
      }
      // The container must be this item's, as its record now stands (swapped or replayed: INTEGRITY).
      // A structurally broken file is returned as read: decrypting it reports exactly what is wrong.
      let header: ContainerHeader | null = null;
      try {
        header = readContainerHeader(bytes, `the encrypted file of image ${id}`);
      } catch {
        header = null;
      }
      if (header) checkBinding(record, header);
      return bytes;
    }
  }

  /**
   * The bytes of an item's encrypted sidecar, or null when it has none. A missing or unreadable file is an error
   * that says so (the image itself may still be fine); opening it (workspace/dicom-sidecar.ts) checks the rest.
   */
  async readSidecar(id: string): Promise<Uint8Array | null> {
    const record = this.require(id);
    if (!record.sidecar) return null;
    try {
      return await readRegularFile(this.layout.itemFile(record.sidecar), MAX_SIDECAR_BYTES, {
        ...ITEM_FILE,
        what: `the encrypted details of image ${id}`,
      });
    } catch (error) {
      // A key rotation may have switched the item to its new sidecar between the lookup and the read.
      const now = this.records.get(id);
      if (now?.sidecar && now.sidecar !== record.sidecar) return this.readSidecar(id);
      throw error;
    }
  }

  /** A small JSON document (evaluation report, pending import), validated on read; null when absent. */
  async readDocument<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
    let text: string;
    try {
      text = await readRegularText(path, MAX_DOCUMENT_BYTES);
    } catch (error) {
      if (error instanceof CipherLensError && error.code === 'NOT_FOUND') return null;
      throw error;
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

/** Makes an item's container once its binding (id, record digest) is known. */
export type SealContainer = (binding: ContainerBinding) => Uint8Array;

/** Makes an item's encrypted sidecar once its id exists (sealed for that id and the record's key). */
export type SealSidecar = (itemId: string, keyFingerprint: string) => Promise<Uint8Array>;

export interface ReplaceOptions {
  /** The item's sidecar under the new key (required when the item has one and the key changes). */
  sidecar?: SealSidecar;
  /** Record fields changed in the same write as the switch. */
  patch?: Partial<Pick<ItemRecord, 'conversion' | 'window' | 'prediction'>>;
}

/** Seals a sidecar for `record` and checks that it names exactly that item and key. */
async function sidecarFor(record: ItemRecord, seal: SealSidecar): Promise<Uint8Array> {
  const bytes = await seal(record.id, record.keyFingerprint);
  const header = readSidecarHeader(bytes, `the new sidecar of image ${record.id}`);
  if (header.itemId !== record.id || header.keyFingerprint !== record.keyFingerprint) {
    throw new CipherLensError(
      'INTERNAL',
      `the new sidecar of image ${record.id} is for item ${header.itemId} under key ${header.keyFingerprint}`,
    );
  }
  return bytes;
}

/** A replacement container for key rotation, sealed for the item with the new key. */
export interface BoundContainer {
  /** The key the new container is encrypted with (part of the record digest). */
  keyFingerprint: string;
  seal: SealContainer;
}

/** Seals a container for `record` and checks that it carries exactly that binding. */
function sealFor(record: ItemRecord, seal: SealContainer): Uint8Array {
  const container = seal(bindingOf({ ...record, seal: record.seal! }));
  const header = readContainerHeader(container, `the new container of image ${record.id}`);
  if (header.keyFingerprint !== record.keyFingerprint) {
    throw new CipherLensError(
      'INTERNAL',
      `the new container of image ${record.id} is under key ${header.keyFingerprint}, not ${record.keyFingerprint}`,
    );
  }
  checkBinding(record, header);
  return container;
}

async function ensureMarker(layout: WorkspaceLayout, create: boolean): Promise<Marker> {
  let text: string | null = null;
  try {
    text = await readRegularText(layout.marker, MAX_RECORD_BYTES);
  } catch (error) {
    if (!(error instanceof CipherLensError && error.code === 'NOT_FOUND')) {
      throw new CipherLensError('BAD_FORMAT', `${layout.marker} cannot be read: ${(error as Error).message}`);
    }
  }
  if (text !== null) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = null;
    }
    const parsed = markerSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    const version = (value as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > WORKSPACE_VERSION) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `${layout.root} was written by a newer CipherLens (workspace format ${version}; this one reads up to ${WORKSPACE_VERSION})`,
      );
    }
    throw new CipherLensError('BAD_FORMAT', `${layout.marker} is not a valid CipherLens workspace marker`);
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
  // A creation killed before its marker was renamed into place leaves only the marker's temporary: that folder
  // is still ours and empty, so it is cleaned and created again rather than refused.
  const markerTemporaries = existing.filter(
    (name) => TEMPORARY.test(name) && name.startsWith(`${basename(layout.marker)}.`),
  );
  if (existing.length > markerTemporaries.length) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${layout.root} is not empty and is not a CipherLens workspace: choose an empty or new folder`,
    );
  }
  for (const name of markerTemporaries) await rm(join(layout.root, name), { force: true });
  await mkdir(layout.root, { recursive: true });
  const marker: Marker = { format: 'cipherlens-workspace', version: 1, createdAt: new Date().toISOString() };
  await writeFileAtomic(layout.marker, `${JSON.stringify(marker, null, 2)}\n`);
  return marker;
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
