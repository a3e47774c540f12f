import type { LibraryItem } from '../../shared/index.js';
import type { GridImage, GridItem } from './imageGrid.js';

/** The images a tile shows for an item: the stored cipher image, and the plain one for the key holder. */
export function itemImages(item: LibraryItem, showPlain: boolean): GridImage[] {
  const images: GridImage[] = [];
  if (showPlain && item.thumbnails.plain) {
    images.push({ src: item.thumbnails.plain, alt: `${item.name}, decrypted`, tag: 'plain' });
  }
  images.push({ src: item.thumbnails.encrypted, alt: `${item.name}, encrypted`, tag: 'encrypted' });
  return images;
}

export function itemTitle(item: LibraryItem): string {
  return item.label ?? 'unlabelled';
}

/** A damaged item's tile says so and how to fix it (the dialog it opens has the remove button). */
export const damageNote = (item: LibraryItem): string | null =>
  item.damage === null ? null : `damaged: ${item.damage} — open it to remove it`;

export function libraryGridItem(item: LibraryItem, showPlain: boolean): GridItem {
  const prediction = item.prediction
    ? `→ ${item.prediction.label} ${(item.prediction.probability * 100).toFixed(0)}%`
    : null;
  return {
    id: item.id,
    images: itemImages(item, showPlain),
    title: itemTitle(item),
    details:
      item.damage !== null
        ? [item.name, damageNote(item)!]
        : [item.name, ...(prediction ? [prediction] : []), ...(item.canDecrypt ? [] : ['other key'])],
    tone:
      item.damage !== null
        ? 'damaged'
        : item.prediction && item.label
          ? item.prediction.label === item.label
            ? 'match'
            : 'miss'
          : undefined,
  };
}
