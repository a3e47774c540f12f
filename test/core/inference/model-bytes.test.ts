import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModelCard } from '../../../src/core/inference/model-card.js';
import { readModelBytes } from '../../../src/core/inference/session.js';

const card = fileURLToPath(new URL('../../fixtures/tiny-inference-model.json', import.meta.url));

describe('readModelBytes', () => {
  it.skipIf(!existsSync('/dev/zero'))(
    'refuses a device named as the ONNX file at once, without reading it',
    async () => {
      const model = await loadModelCard(card);
      await expect(readModelBytes('/dev/zero', model)).rejects.toThrow(/not a regular file/);
    },
  );

  it.skipIf(!existsSync('/dev/zero'))('refuses a device named as a model card at once', async () => {
    await expect(loadModelCard('/dev/zero')).rejects.toThrow(/not a regular file/);
  });

  it('refuses bytes that are not the card’s', async () => {
    const model = await loadModelCard(card);
    await expect(readModelBytes('unused', model, new Uint8Array([1, 2, 3]))).rejects.toThrow(
      /does not match its card/,
    );
  });
});
