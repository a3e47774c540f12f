import type { CipherKey } from '../crypto/keys.js';
import { createImageCipher } from '../crypto/cipher.js';
import {
  CONTAINER_EXTENSION,
  decryptContainer,
  openContainer,
  readContainerFile,
} from '../crypto/container.js';
import { CipherLensError } from '../errors.js';
import type { FitMode, GreyImage } from '../image/decode.js';
import { readImage, type ReadImageOptions } from '../image/read-image.js';
import { checkModelKey } from './compatibility.js';
import type { ModelCard } from './model-card.js';

/** Plain pixels of one image: a bare N×N byte array, or a decoded image that carries its size. */
export type PlainImage = Uint8Array | GreyImage;

function plainPixels(image: PlainImage, card: ModelCard, index: number): Uint8Array {
  const size = card.inputSize;
  const pixels = image instanceof Uint8Array ? image : image.pixels;
  if (!(image instanceof Uint8Array) && (image.width !== size || image.height !== size)) {
    throw new CipherLensError(
      'BAD_SIZE',
      `image ${index} is ${image.width}×${image.height}; model ${card.id} takes ${size}×${size} (decode with { size: ${size}, fit: 'resize' } or 'pad')`,
    );
  }
  if (pixels.length !== size * size) {
    throw new CipherLensError(
      'BAD_SIZE',
      `image ${index} has ${pixels.length} pixels; model ${card.id} takes ${size}×${size} = ${size * size}`,
    );
  }
  return pixels;
}

/**
 * Plain images → the model's input batch: each image encrypted under the card's condition with `key`
 * (the one cipher implementation, src/core/crypto), laid end to end. Refuses a key the model was not trained for.
 */
export function encryptForModel(
  card: ModelCard,
  key: CipherKey | null | undefined,
  images: readonly PlainImage[],
  out?: Uint8Array,
): Uint8Array {
  checkModelKey(card, key);
  const pixels = card.inputSize * card.inputSize;
  const target = out ?? new Uint8Array(images.length * pixels);
  if (target.length < images.length * pixels) {
    throw new CipherLensError(
      'BAD_INPUT',
      `output buffer holds ${target.length} bytes, ${images.length * pixels} needed`,
    );
  }
  const cipher = key ? createImageCipher(key, card.condition, card.inputSize) : null;
  images.forEach((image, index) => {
    const source = plainPixels(image, card, index);
    const slot = target.subarray(index * pixels, (index + 1) * pixels);
    if (cipher) cipher.encrypt(source, slot);
    else slot.set(source);
  });
  return target;
}

export interface LoadedModelInput {
  /** One model-ready (encrypted) N×N image. */
  pixels: Uint8Array;
  kind: 'image' | 'container';
  /** Lossy steps applied to a plain image file (empty for containers). */
  conversion: string[];
  /** The label stored in a container, if any. */
  label: string | null;
}

/**
 * A file → one model input. A `.clens` container is verified with the key; its ciphertext is used as is when
 * it was encrypted the way the model expects, otherwise it is decrypted and re-encrypted for the model.
 * Any other file is decoded as a plain image and encrypted.
 */
export async function loadModelInput(
  card: ModelCard,
  key: CipherKey | null | undefined,
  path: string,
  fit: FitMode = 'error',
  /** DICOM: which frame and window make the 8-bit image (readImage's defaults otherwise, as the app's import). */
  dicom: Pick<ReadImageOptions, 'dicomFrame' | 'dicomWindow'> = {},
): Promise<LoadedModelInput> {
  if (path.toLowerCase().endsWith(CONTAINER_EXTENSION)) {
    if (!key)
      throw new CipherLensError('BAD_INPUT', `${path} is an encrypted container: a key is needed to open it`);
    const bytes = await readContainerFile(path);
    const opened = openContainer(key, bytes, path);
    const label = opened.metadata.label ?? null;
    if (opened.header.size !== card.inputSize) {
      throw new CipherLensError(
        'BAD_SIZE',
        `${path} holds a ${opened.header.size}×${opened.header.size} image; model ${card.id} takes ${card.inputSize}×${card.inputSize}`,
      );
    }
    if (opened.header.condition === card.condition) {
      checkModelKey(card, key);
      return { pixels: opened.ciphertext, kind: 'container', conversion: [], label };
    }
    const plain = decryptContainer(key, bytes, path).pixels;
    return {
      pixels: encryptForModel(card, key, [plain]),
      kind: 'container',
      conversion: [`re-encrypted from ${opened.header.condition} to ${card.condition}`],
      label,
    };
  }
  const decoded = await readImage(path, { ...dicom, size: card.inputSize, fit });
  return {
    pixels: encryptForModel(card, key, [decoded]),
    kind: 'image',
    conversion: decoded.conversion,
    label: null,
  };
}
