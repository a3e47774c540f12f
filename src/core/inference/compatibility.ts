import { createImageCipher } from '../crypto/cipher.js';
import { usesPermutation } from '../crypto/condition.js';
import type { CipherKey } from '../crypto/keys.js';
import { CipherLensError } from '../errors.js';
import type { ModelCard } from './model-card.js';

/**
 * A model trained on images encrypted under one key sees noise under any other: refuse to run it rather
 * than return confident garbage. Plain models need no key.
 */
export function checkModelKey(card: ModelCard, key: CipherKey | null | undefined): void {
  if (card.condition === 'plain') return;
  if (!key) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${card.id} works on images encrypted (${card.condition}) with key ${card.keyFingerprint}, but no key is active`,
    );
  }
  if (key.fingerprint !== card.keyFingerprint) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${card.id} was trained for key ${card.keyFingerprint}, active key is ${key.fingerprint}`,
    );
  }
  if (usesPermutation(card.condition) && card.arnoldParametersId !== null) {
    const cipher = createImageCipher(key, card.condition, card.inputSize);
    if (cipher.parametersId !== card.arnoldParametersId) {
      throw new CipherLensError(
        'MODEL_MISMATCH',
        `model ${card.id} was trained with Arnold parameters ${card.arnoldParametersId}, but this key gives ${cipher.parametersId ?? 'none'} (encryption spec changed?)`,
      );
    }
  }
}

export function checkModelInputSize(card: ModelCard, size: number, what = 'images'): void {
  if (size !== card.inputSize) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `${what} are ${size}×${size}, model ${card.id} takes ${card.inputSize}×${card.inputSize}`,
    );
  }
}

export function checkModelClasses(card: ModelCard, classes: readonly string[], what = 'the dataset'): void {
  const same = classes.length === card.classes.length && classes.every((name, i) => name === card.classes[i]);
  if (!same) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${card.id} predicts [${card.classes.join(', ')}] but ${what} has [${classes.join(', ')}]`,
    );
  }
}

export function checkModelCondition(card: ModelCard, condition: string, what = 'the images'): void {
  if (condition !== card.condition) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${card.id} was trained on ${card.condition} images but ${what} are ${condition}`,
    );
  }
}
