import { CipherLensError } from '../errors.js';
import { decodeGreyImage, type FitMode } from '../image/decode.js';
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

interface Item {
  className: string;
  fileName: string;
}

/**
 * Gathers labelled image files from any walk (tar members, folders), decoding them to `imageSize`² grey
 * with a small concurrency pool, then orders them by (class, file name) in byte order so the result does
 * not depend on the order the source listed them in.
 */
export class ImageCollector {
  private readonly pixels: number;
  private buffer: Uint8Array;
  private readonly items: Item[] = [];
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
      const image = await decodeGreyImage(bytes, {
        size: this.options.imageSize,
        fit: this.options.fit ?? 'error',
        name: displayName,
      });
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
    const count = this.items.length;
    if (count === 0) throw new CipherLensError('DATASET', `${source} contains no images`);
    const classes = [...new Set(this.items.map((item) => item.className))].sort(compareCodeUnits);
    const classIndex = new Map(classes.map((name, index) => [name, index]));
    const order = this.items
      .map((item, slot) => ({ ...item, slot }))
      .sort((a, b) => compareCodeUnits(a.className, b.className) || compareCodeUnits(a.fileName, b.fileName));
    const images = new Uint8Array(count * this.pixels);
    const labels = new Int32Array(count);
    order.forEach((item, index) => {
      images.set(
        this.buffer.subarray(item.slot * this.pixels, (item.slot + 1) * this.pixels),
        index * this.pixels,
      );
      labels[index] = classIndex.get(item.className)!;
    });
    return { classes, part: { count, images, labels }, converted: this.converted };
  }
}

const IMAGE_EXTENSIONS = /\.(jpe?g|png)$/i;
export const isImageFileName = (name: string): boolean =>
  IMAGE_EXTENSIONS.test(name) && !name.startsWith('.');
