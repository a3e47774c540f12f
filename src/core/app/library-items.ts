import { describeError } from '../errors.js';
import type { ItemRecord } from '../workspace/item-record.js';
import type { LibraryItem } from '../../shared/library.js';
import type { AppContext } from './context.js';
import { displayCiphertext, pngDataUrl } from './images.js';
import { decryptItem } from './sources.js';

interface Thumbnails {
  encrypted: string;
  plain: string | null;
}

const CACHE_LIMIT = 4000;
const cache = new Map<string, Thumbnails>();

/** Encrypted and (for the key holder) plain thumbnails of a stored item, cached per item and key. */
export async function thumbnailsOf(context: AppContext, record: ItemRecord): Promise<Thumbnails> {
  const activeFingerprint = context.settings.get().activeKey;
  // The record's key too: after a key rotation the same image has another container and may now open.
  const cacheKey = `${context.workspace.path}|${record.id}|${record.keyFingerprint}|${activeFingerprint ?? '-'}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const container = await context.workspace.readContainer(record.id);
  const cipher = displayCiphertext(container, `image ${record.name}`);
  let plain: string | null = null;
  if (record.keyFingerprint === activeFingerprint) {
    try {
      plain = await pngDataUrl(await decryptItem(context, record), record.size);
    } catch (error) {
      context.options.log?.(`thumbnail of ${record.id}: ${describeError(error)}`);
    }
  }
  const thumbnails = { encrypted: await pngDataUrl(cipher.pixels, cipher.size), plain };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, thumbnails);
  return thumbnails;
}

export async function toLibraryItem(context: AppContext, record: ItemRecord): Promise<LibraryItem> {
  return {
    id: record.id,
    name: record.name,
    label: record.label,
    size: record.size,
    source: record.source,
    conversion: record.conversion,
    importedAt: record.importedAt,
    keyFingerprint: record.keyFingerprint,
    canDecrypt: record.keyFingerprint === context.settings.get().activeKey,
    prediction: record.prediction,
    thumbnails: await thumbnailsOf(context, record),
  };
}
