import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../../src/core/crypto/keys.js';
import { createInferenceEngine } from '../../../src/core/inference/engine.js';
import { deriveTransformedModel } from '../../../src/core/inference/model-catalog.js';
import { resolveModel } from '../../../src/core/inference/model-files.js';
import { oodVerdict } from '../../../src/core/inference/ood.js';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { REPO } from '../../backend/harness.js';

const MODELS = join(REPO, 'resources', 'models');

describe('a transformed model inherits its plain model’s OOD calibration', () => {
  it.each([
    ['mednist-bitplane-mlp-plain', 64],
    ['mnist-bitplane-mlp-plain', 28],
  ] as const)(
    '%s: the same calibration and the same verdicts on the same images under a fresh key',
    async (id, size) => {
      const plain = await resolveModel(id, MODELS);
      expect(plain.card.ood, 'the shipped card is calibrated (scripts/calibrate-ood.ts)').toBeDefined();
      const key = generateKey('ood test');
      const derived = await deriveTransformedModel(plain, key);
      expect(derived.card.ood).toEqual(plain.card.ood);

      // Noise and half-bright images: the verdicts agree image by image.
      const prng = createPrng(3);
      const images = Array.from({ length: 16 }, (_, n) =>
        Uint8Array.from({ length: size * size }, (_, i) =>
          n % 2 === 0 ? prng.nextBelow(256) : i % size < size / 2 === (n % 4 === 1) ? 230 : 10,
        ),
      );
      const plainEngine = await createInferenceEngine({ model: plain, threads: 1 });
      const derivedEngine = await createInferenceEngine({ model: derived, key, threads: 1 });
      try {
        const a = await plainEngine.infer(plainEngine.encrypt(images));
        const b = await derivedEngine.infer(derivedEngine.encrypt(images));
        for (let row = 0; row < images.length; row++) {
          const va = oodVerdict(plain.card.ood, a, row)!;
          const vb = oodVerdict(derived.card.ood, b, row)!;
          expect(vb.flag).toBe(va.flag);
          expect(vb.score).toBeCloseTo(va.score, 3);
        }
      } finally {
        await plainEngine.close();
        await derivedEngine.close();
      }
    },
    120_000,
  );
});
