import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSplitVectors, type SplitVectors } from '../../../scripts/make-test-vectors.js';
import { createPrng, shuffleInPlace, xoshiro128StarStar } from '../../../src/core/datasets/prng.js';
import {
  apportion,
  planCarvedValidation,
  planStratifiedFractions,
} from '../../../src/core/datasets/splits.js';

const vectors = JSON.parse(readFileSync('test/fixtures/split-vectors.json', 'utf8')) as SplitVectors;

describe('split test vectors (test/fixtures/split-vectors.json)', () => {
  it('seeds xoshiro128** with the documented splitmix32 words', () => {
    for (const { seed, splitmix32, nextUint32 } of vectors.prng) {
      const seeded = xoshiro128StarStar(splitmix32 as [number, number, number, number]);
      expect(
        Array.from({ length: nextUint32.length }, () => seeded()),
        `seed ${seed}`,
      ).toEqual(nextUint32);
      const prng = createPrng(seed);
      expect(
        Array.from({ length: nextUint32.length }, () => prng.nextUint32()),
        `seed ${seed}`,
      ).toEqual(nextUint32);
    }
  });

  it('draws bounded integers by rejection: x ≥ 2³² − (2³² mod n) is drawn again, else x mod n', () => {
    expect(vectors.nextBelow.some((c) => c.draws.some((d) => !d.accepted))).toBe(true);
    for (const { seed, bound, limit, draws, values } of vectors.nextBelow) {
      expect(limit).toBe(2 ** 32 - (2 ** 32 % bound));
      const raw = createPrng(seed);
      for (const draw of draws) {
        expect(raw.nextUint32()).toBe(draw.raw);
        expect(draw.accepted).toBe(draw.raw < limit);
      }
      expect(draws.filter((d) => d.accepted).map((d) => d.raw % bound)).toEqual(values);
      const prng = createPrng(seed);
      expect(
        Array.from({ length: values.length }, () => prng.nextBelow(bound)),
        `bound ${bound}`,
      ).toEqual(values);
    }
  });

  it('shuffles, apportions and splits the small datasets exactly as recorded', () => {
    const { seed, input, output } = vectors.shuffle;
    expect([...shuffleInPlace(Uint32Array.from(input), createPrng(seed))]).toEqual(output);
    for (const c of vectors.apportion) expect(apportion(c.total, c.weights)).toEqual(c.parts);
    for (const split of vectors.splits) {
      const labels = Int32Array.from(split.labels);
      const plan =
        split.policy === 'stratified-fractions'
          ? planStratifiedFractions(labels, split.classCount, split.fractions!, split.seed)
          : planCarvedValidation(labels, split.testCount!, split.classCount, split.validation!, split.seed);
      expect([...plan.train.indices], split.policy).toEqual(split.train);
      expect([...plan.val.indices], split.policy).toEqual(split.val);
      expect([...plan.test.indices], split.policy).toEqual(split.test);
    }
  });

  it('matches what scripts/make-test-vectors.ts generates now', () => {
    expect(buildSplitVectors()).toEqual(vectors);
  });

  it('appears in docs/datasets.md', () => {
    const doc = readFileSync('docs/datasets.md', 'utf8');
    const seed42 = vectors.prng.find((p) => p.seed === 42)!;
    expect(doc).toContain(seed42.splitmix32.join(', '));
    expect(doc).toContain(seed42.nextUint32.slice(0, 4).join(', '));
    expect(doc).toContain(vectors.shuffle.output.join(', '));
    const pooled = vectors.splits[0]!;
    expect(doc).toContain(pooled.labels.join(', '));
    for (const part of [pooled.train, pooled.val, pooled.test]) expect(doc).toContain(part.join(', '));
  });
});
