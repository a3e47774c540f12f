import { CipherLensError } from '../errors.js';
import type { DecodedGreyImage, FitMode } from '../image/decode.js';
import { IMAGE_EXTENSIONS } from '../image/files.js';
import { readImage } from '../image/read-image.js';
import { compareCodeUnits, type ImagePart } from './dataset.js';
import { createTaskPool, type TaskPool } from './pool.js';

export interface CollectedImages {
  classes: string[];
  part: ImagePart;
  /** How many images needed a lossy conversion (resize, pad, colour → grey) to become `size`². */
  converted: number;
}

export interface CollectorOptions {
  imageSize: number;
  fit?: FitMode;
  concurrency?: number;
  onProgress?: (decoded: number) => void;
}

/** How every dataset reader turns one file into `imageSize`² grey; the sample path decodes through it too. */
export type DatasetImageDecoder = (
  bytes: Uint8Array,
  imageSize: number,
  fit: FitMode | undefined,
  name: string,
) => Promise<DecodedGreyImage>;

export const decodeDatasetImage: DatasetImageDecoder = (bytes, imageSize, fit, name) =>
  readImage(bytes, { size: imageSize, fit: fit ?? 'error', name });

/**
 * Gathers labelled image files from any walk (tar members, folders), decoding them to `imageSize`² grey
 * with a small concurrency pool, then orders them with `orderImages` (by class, then file name, in byte
 * order) so the result does not depend on the order the source listed them in.
 */
export class ImageCollector {
  private readonly pixels: number;
  private buffer: Uint8Array;
  private readonly items: NamedImage[] = [];
  private readonly pool: TaskPool;
  private decoded = 0;
  private converted = 0;

  constructor(private readonly options: CollectorOptions) {
    this.pixels = options.imageSize * options.imageSize;
    this.buffer = new Uint8Array(this.pixels * 1024);
    this.pool = createTaskPool(options.concurrency ?? 4);
  }

  /** Queues one file; resolves once there is room in the pool (not when the image is decoded). */
  async add(className: string, fileName: string, bytes: Uint8Array, displayName: string): Promise<void> {
    const slot = this.items.length;
    this.items.push({ className, fileName });
    await this.pool.add(async () => {
      const image = await decodeDatasetImage(bytes, this.options.imageSize, this.options.fit, displayName);
      if (image.conversion.length > 0) this.converted++;
      this.store(slot, image.pixels);
      this.decoded++;
      this.options.onProgress?.(this.decoded);
    });
  }

  private store(slot: number, image: Uint8Array): void {
    const end = (slot + 1) * this.pixels;
    if (end > this.buffer.length) {
      const grown = new Uint8Array(Math.max(end, this.buffer.length * 2));
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer.set(image, slot * this.pixels);
  }

  async finish(source: string): Promise<CollectedImages> {
    await this.pool.drain();
    const { classes, slots, labels } = orderImages(this.items, source);
    const count = slots.length;
    const images = new Uint8Array(count * this.pixels);
    slots.forEach((slot, index) => {
      images.set(this.buffer.subarray(slot * this.pixels, (slot + 1) * this.pixels), index * this.pixels);
    });
    return { classes, part: { count, images, labels }, converted: this.converted };
  }
}

/** A labelled image as a source lists it: the class (folder) name and the file name inside it. */
export interface NamedImage {
  className: string;
  fileName: string;
}

/** Where each listed image ends up: class names, and per final index the listing position and label. */
export interface ImageOrder {
  /** Class names in byte order; labels index this list. */
  classes: string[];
  /** `slots[i]` is the position in the listing of the image that gets index `i`. */
  slots: Uint32Array;
  labels: Int32Array;
}

/**
 * The order every dataset loader gives its images: classes numbered in byte order, images sorted by
 * (class, file name) in byte order, ties (the same name twice) kept in listing order. ImageCollector uses
 * it after decoding, and the sample path uses it on a bare listing, so both agree on every index.
 */
export function orderImages(items: readonly NamedImage[], source: string): ImageOrder {
  const count = items.length;
  if (count === 0) throw new CipherLensError('DATASET', `${source} contains no images`);
  const classes = [...new Set(items.map((item) => item.className))].sort(compareCodeUnits);
  const classIndex = new Map(classes.map((name, index) => [name, index]));
  const order = items
    .map((item, slot) => ({ className: item.className, fileName: item.fileName, slot }))
    .sort((a, b) => compareCodeUnits(a.className, b.className) || compareCodeUnits(a.fileName, b.fileName));
  const slots = new Uint32Array(count);
  const labels = new Int32Array(count);
  order.forEach((item, index) => {
    slots[index] = item.slot;
    labels[index] = classIndex.get(item.className)!;
  });
  return { classes, slots, labels };
}

/** Dataset members are taken by name (tar members cannot be sniffed cheaply): the extension policy's list. */
export const isImageFileName = (name: string): boolean =>
  !name.startsWith('.') &&
  (IMAGE_EXTENSIONS as readonly string[]).some((e) => name.toLowerCase().endsWith(e));
