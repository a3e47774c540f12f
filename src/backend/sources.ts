import { decryptContainer } from '../core/crypto/container.js';
import { CipherLensError } from '../core/errors.js';
import { readImage } from '../core/image/read-image.js';
import type { ItemRecord } from '../core/workspace/item-record.js';
import type { ConversionOptions, ImageSource } from '../shared/common.js';
import type { BackendContext } from './context.js';
import { decodeBase64, resizeSquare } from './images.js';

/** A plain square image from any source, at the size asked for. */
export interface ResolvedImage {
  pixels: Uint8Array;
  size: number;
  conversion: string[];
  label: string | null;
  /** Workspace id when the source was an item. */
  id: string | null;
  name: string;
}

export function decodeOptions(conversion: ConversionOptions, size: number) {
  return {
    size,
    fit: conversion.fit,
    dicomFrame: conversion.dicomFrame,
    dicomWindow: conversion.dicomWindow,
  };
}

export async function resolveImage(
  context: BackendContext,
  source: ImageSource,
  conversion: ConversionOptions,
  size: number,
): Promise<ResolvedImage> {
  if (source.kind === 'item') {
    const record = context.workspace.require(source.id);
    const plain = await decryptItem(context, record);
    const conversionSteps = [...record.conversion];
    if (record.size !== size)
      conversionSteps.push(`stored ${record.size}×${record.size} resampled to ${size}×${size}`);
    return {
      pixels: await resizeSquare(plain, record.size, size),
      size,
      conversion: conversionSteps,
      label: record.label,
      id: record.id,
      name: record.name,
    };
  }
  const input = source.kind === 'path' ? source.path : decodeBase64(source.dataBase64);
  const name = source.kind === 'path' ? source.path : source.name;
  const image = await readImage(input, { ...decodeOptions(conversion, size), name });
  return { pixels: image.pixels, size, conversion: image.conversion, label: null, id: null, name };
}

/** The size to show an image at: the request's, a stored item's own, else the import size. */
export async function naturalSize(
  context: BackendContext,
  source: ImageSource,
  requested: number | undefined,
): Promise<number> {
  if (requested !== undefined) return requested;
  if (source.kind === 'item') return context.workspace.require(source.id).size;
  return context.importSize(undefined);
}

/** Plain pixels of a stored item; only the key it was imported with can open it. */
export async function decryptItem(context: BackendContext, record: ItemRecord): Promise<Uint8Array> {
  const key = context.activeKey();
  if (record.keyFingerprint !== key.fingerprint) {
    throw new CipherLensError(
      'WRONG_KEY',
      `image ${record.name} was encrypted with key ${record.keyFingerprint}; the active key is ${key.fingerprint}. Select that key in Settings → Keys to open it`,
    );
  }
  const container = await context.workspace.readContainer(record.id);
  return decryptContainer(key, container, `image ${record.name}`).pixels;
}
