import { describe, expect, it } from 'vitest';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { aggregateReports, createReportAggregator } from '../../../src/core/security/aggregate.js';
import { analyzeImage } from '../../../src/core/security/analyze-image.js';

const key = keyFromBytes(new Uint8Array(32).fill(42));

describe('aggregating reports over a folder', () => {
  it('summarises mean/min/max and pass rates', () => {
    const prng = createPrng(1);
    const reports = [28, 28, 64].map((size) =>
      analyzeImage(
        Uint8Array.from({ length: size * size }, () => prng.nextUint32() & 127),
        key,
        'arnold+xor',
        { scatterSamples: 0 },
      ),
    );
    const aggregate = aggregateReports(reports);
    expect(aggregate.images).toBe(3);
    expect(aggregate.sizes).toEqual([28, 64]);
    expect(aggregate.conditions).toEqual(['arnold+xor']);
    const entropies = reports.map((r) => r.cipher.entropy);
    expect(aggregate.metrics.cipherEntropy).toEqual({
      count: 3,
      mean: entropies.reduce((a, b) => a + b, 0) / 3,
      min: Math.min(...entropies),
      max: Math.max(...entropies),
    });
    expect(aggregate.plaintextSensitivityPassRates.map((r) => r.both)).toEqual([0, 0, 0]);
    const keyPasses = reports.filter((r) => r.keySensitivity.verdict === 'pass').length;
    expect(aggregate.keySensitivityPassRates[0]).toMatchObject({ alpha: 0.05, both: keyPasses / 3 });
    expect(aggregate.cipherFlatRate).toBe(reports.filter((r) => r.cipher.flatness.flat).length / 3);
  });

  it('skips undefined correlations and refuses an empty folder', () => {
    const constant = analyzeImage(new Uint8Array(64).fill(7), key, 'plain');
    const aggregate = aggregateReports([constant]);
    expect(aggregate.metrics.plainCorrelationHorizontal).toBeNull();
    expect(aggregate.metrics.plainEntropy).toEqual({ count: 1, mean: 0, min: 0, max: 0 });
    expect(() => createReportAggregator().result()).toThrow(/no reports/);
  });
});
