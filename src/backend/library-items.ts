import { CipherLensError, describeError, isCipherLensError, type ErrorCode } from '../core/errors.js';
import type { ItemRecord } from '../core/workspace/item-record.js';
import type { LibraryItem } from '../shared/library.js';
import type { AppContext } from './context.js';
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
const DAMAGE_CODES = new Set<ErrorCode>([
  'TRUNCATED',
  'BAD_FORMAT',
  'INTEGRITY',
  'BAD_INPUT',
  'TOO_LARGE',
  'NOT_FOUND',
  'BAD_SIZE',
]);
const isDamage = (error: unknown): boolean => isCipherLensError(error) && DAMAGE_CODES.has(error.code);

/** The tile of a damaged item: a grey diagonal hatch, so the grid keeps its shape. */
let damagedPicture: Promise<string> | null = null;
function damagedThumbnail(): Promise<string> {
  const size = 16;
  const pixels = new Uint8Array(size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((i % size) + Math.floor(i / size)) % 4 < 2 ? 96 : 160;
  return (damagedPicture ??= pngDataUrl(pixels, size));
}

const CACHE_LIMIT = 4000;
const cache = new Map<string, Thumbnails>();

/**
 * Encrypted and (for the key holder) plain thumbnails of a stored item, cached per item and key. A container
 * that cannot be read or is damaged (truncated, modified, not a regular file) makes the item damaged, not the
 * page: the reason comes back with a placeholder picture, so the rest of the library still shows.
 */
export async function thumbnailsOf(context: AppContext, record: ItemRecord): Promise<Shown> {
  const activeFingerprint = context.settings.get().activeKey;
  // The record's key too: after a key rotation the same image has another container and may now open.
  const cacheKey = `${context.workspace.path}|${record.id}|${record.keyFingerprint}|${activeFingerprint ?? '-'}`;
  const cached = cache.get(cacheKey);
  if (cached) return { thumbnails: cached, damage: null };
  let cipher: { pixels: Uint8Array; size: number };
  try {
    const container = await context.workspace.readContainer(record.id);
    cipher = displayCiphertext(container, `the encrypted file of image ${record.name}`);
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
  let plain: string | null = null;
  if (record.keyFingerprint === activeFingerprint) {
    try {
      plain = await pngDataUrl(await decryptItem(context, record), record.size);
    } catch (error) {
      if (isDamage(error)) {
        return {
          thumbnails: { encrypted: await pngDataUrl(cipher.pixels, cipher.size), plain: null },
          damage: describeError(error),
        };
      }
      context.options.log?.(`thumbnail of ${record.id}: ${describeError(error)}`);
    }
  }
  const thumbnails = { encrypted: await pngDataUrl(cipher.pixels, cipher.size), plain };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, thumbnails);
  return { thumbnails, damage: null };
}

export async function toLibraryItem(context: AppContext, record: ItemRecord): Promise<LibraryItem> {
  const shown = await thumbnailsOf(context, record);
  return {
    id: record.id,
    name: record.name,
    label: record.label,
    size: record.size,
    source: record.source,
    conversion: record.conversion,
    importedAt: record.importedAt,
    keyFingerprint: record.keyFingerprint,
    canDecrypt: shown.damage === null && record.keyFingerprint === context.settings.get().activeKey,
    prediction: record.prediction,
    thumbnails: shown.thumbnails,
    damage: shown.damage,
  };
}
