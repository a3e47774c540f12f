import { CipherLensError, describeError, isCipherLensError, type ErrorCode } from '../core/errors.js';
import type { ItemRecord } from '../core/workspace/item-record.js';
import type { LibraryItem } from '../shared/library.js';
import type { BackendContext } from './context.js';
import { originOf } from './item-origin.js';
import { displayCiphertext, pngDataUrl } from './images.js';
import { decryptItem } from './sources.js';

interface Thumbnails {
  encrypted: string;
  plain: string | null;
}

/** Why an item's stored image cannot be shown (null: it can). */
interface Shown {
  thumbnails: Thumbnails;
  damage: string | null;
}

/** Failures that say the stored file itself is bad (as opposed to a busy engine or a bug). */
const DAMAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TRUNCATED',
  'BAD_FORMAT',
  'INTEGRITY',
  'BAD_INPUT',
  'TOO_LARGE',
  'NOT_FOUND',
  'BAD_SIZE',
]);
const isDamage = (error: unknown): boolean => isCipherLensError(error) && DAMAGE_CODES.has(error.code);

/** The tile of a damaged item: a grey diagonal hatch, so the grid keeps its shape (a constant, made once). */
let damagedPicture: Promise<string> | null = null;
function damagedThumbnail(): Promise<string> {
  const size = 16;
  const pixels = new Uint8Array(size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((i % size) + Math.floor(i / size)) % 4 < 2 ? 96 : 160;
  return (damagedPicture ??= pngDataUrl(pixels, size));
}

/**
 * The thumbnails the library has shown, owned by the back end's context (BackendContext.thumbnails) so they go with it:
 * encrypted pictures per stored container, and decrypted ones per container and active key. Decrypted pictures are
 * plain images: they are dropped the moment the active key changes and when the back end closes.
 */
export class ThumbnailCache {
  /** Oldest entries are dropped beyond this many per map (a data URL of a 64×64 PNG is ≈ 3 KB). */
  static readonly LIMIT = 4000;
  private readonly encrypted = new Map<string, string>();
  private readonly plain = new Map<string, string | null>();

  getEncrypted(container: string): string | undefined {
    return this.encrypted.get(container);
  }

  setEncrypted(container: string, picture: string): void {
    ThumbnailCache.bounded(this.encrypted, container, picture);
  }

  getPlain(container: string, keyFingerprint: string): string | null | undefined {
    return this.plain.get(`${container}|${keyFingerprint}`);
  }

  /** `null`: the container does not open with this key (shown encrypted only). */
  setPlain(container: string, keyFingerprint: string, picture: string | null): void {
    ThumbnailCache.bounded(this.plain, `${container}|${keyFingerprint}`, picture);
  }

  /** Forgets every decrypted picture (the active key changed). */
  dropPlain(): void {
    this.plain.clear();
  }

  clear(): void {
    this.encrypted.clear();
    this.plain.clear();
  }

  get size(): { encrypted: number; plain: number } {
    return { encrypted: this.encrypted.size, plain: this.plain.size };
  }

  private static bounded<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    if (map.size >= ThumbnailCache.LIMIT) map.delete(map.keys().next().value as string);
    map.set(key, value);
  }
}

/**
 * Encrypted and (for the key holder) plain thumbnails of a stored item, cached on the context per item and key. A
 * container that cannot be read or is damaged (truncated, modified, not a regular file) makes the item damaged,
 * not the page: the reason comes back with a placeholder picture, so the rest of the library still shows.
 */
export async function thumbnailsOf(context: BackendContext, record: ItemRecord): Promise<Shown> {
  const cache = context.thumbnails;
  const activeFingerprint = context.settings.get().activeKey;
  const wantsPlain = activeFingerprint !== null && record.keyFingerprint === activeFingerprint;
  // The record's key and seal too: after a key rotation or a re-windowing the item has another container.
  const container = `${context.workspace.path}|${record.id}|${record.keyFingerprint}|${record.seal ?? '-'}`;
  const cachedEncrypted = cache.getEncrypted(container);
  const cachedPlain = wantsPlain ? cache.getPlain(container, activeFingerprint) : null;
  if (cachedEncrypted !== undefined && cachedPlain !== undefined) {
    return { thumbnails: { encrypted: cachedEncrypted, plain: cachedPlain }, damage: null };
  }
  let cipher: { pixels: Uint8Array; size: number };
  try {
    const stored = await context.workspace.readContainer(record.id);
    cipher = displayCiphertext(stored, `the encrypted file of image ${record.name}`);
    if (cipher.size !== record.size) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `the encrypted file of image ${record.name} holds a ${cipher.size}×${cipher.size} image; its record says ${record.size}×${record.size}`,
      );
    }
  } catch (error) {
    if (!isDamage(error)) throw error;
    return { thumbnails: { encrypted: await damagedThumbnail(), plain: null }, damage: describeError(error) };
  }
  const encrypted = cachedEncrypted ?? (await pngDataUrl(cipher.pixels, cipher.size));
  let plain: string | null = null;
  if (wantsPlain) {
    try {
      plain = await pngDataUrl(await decryptItem(context, record), record.size);
    } catch (error) {
      if (isDamage(error)) return { thumbnails: { encrypted, plain: null }, damage: describeError(error) };
      context.options.log?.(`thumbnail of ${record.id}: ${describeError(error)}`);
    }
    // Only if the key is still the active one: a picture decrypted under a key just switched away from is not kept.
    if (context.settings.get().activeKey === activeFingerprint)
      cache.setPlain(container, activeFingerprint, plain);
  }
  cache.setEncrypted(container, encrypted);
  return { thumbnails: { encrypted, plain }, damage: null };
}

export async function toLibraryItem(context: BackendContext, record: ItemRecord): Promise<LibraryItem> {
  const shown = await thumbnailsOf(context, record);
  return {
    id: record.id,
    name: record.name,
    label: record.label,
    size: record.size,
    source: record.source,
    origin: originOf(record),
    conversion: record.conversion,
    importedAt: record.importedAt,
    keyFingerprint: record.keyFingerprint,
    canDecrypt: shown.damage === null && record.keyFingerprint === context.settings.get().activeKey,
    prediction: record.prediction,
    thumbnails: shown.thumbnails,
    damage: shown.damage,
  };
}
