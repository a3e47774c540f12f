import sharp from 'sharp';
import type { CodecIdentity } from './codec.js';
import { packageVersion } from './wasm.js';

/** PNG, JPEG, TIFF, WebP, GIF decoding is libvips through sharp (decode.ts); its identity names both. */
export function sharpIdentity(): CodecIdentity {
  return { name: 'sharp', version: `${packageVersion('sharp')}+libvips@${sharp.versions.vips}` };
}
