import type { SecurityReport as CoreSecurityReport } from '../core/security/analyze-image.js';
import type { ImageStatistics } from '../core/security/image-statistics.js';
import type { KeySensitivity, PlaintextSensitivity } from '../core/security/sensitivity.js';
import type { SecurityReport } from '../shared/analysis.js';

/** core's security report in the API's shape (names the renderer charts use), nothing dropped that it shows. */
export function toSecurityReport(
  report: CoreSecurityReport,
  images: { plain: string; encrypted: string },
): SecurityReport {
  return {
    size: report.size,
    condition: report.condition,
    keyFingerprint: report.keyFingerprint,
    images,
    plain: statistics(report.plain),
    encrypted: statistics(report.cipher),
    uniformEntropyExpectation: report.reference.uniformEntropy,
    uniformBlockEntropyExpectation: report.reference.uniformBlockEntropy,
    idealNpcr: report.reference.idealNpcrPercent,
    idealUaci: report.reference.idealUaciPercent,
    wuCritical: report.reference.wuCritical.map((c) => ({
      alpha: c.alpha,
      npcrCritical: c.npcrCriticalPercent,
      uaciLow: c.uaciLowerPercent,
      uaciHigh: c.uaciUpperPercent,
    })),
    plainVsCipher: { npcr: report.plainVsCipher.npcrPercent, uaci: report.plainVsCipher.uaciPercent },
    keySensitivity: sensitivity(report.keySensitivity),
    plaintextSensitivity: sensitivity(report.plaintextSensitivity),
    notes: report.notes,
  };
}

function statistics(stats: ImageStatistics): SecurityReport['plain'] {
  const sampled = stats.sampledCorrelation;
  const summary = (s: (typeof sampled)['horizontal']) => ({
    coefficient: s.coefficient,
    pairs: s.pairs,
    exhaustive: s.exhaustive,
  });
  return {
    mean: stats.mean,
    entropy: stats.entropy,
    blockEntropy: stats.blockEntropy,
    histogram: stats.histogram,
    flatness: stats.flatness,
    correlation: stats.correlation,
    sampledCorrelation: {
      horizontal: summary(sampled.horizontal),
      vertical: summary(sampled.vertical),
      diagonal: summary(sampled.diagonal),
    },
    pairs: {
      horizontal: sampled.horizontal.samples,
      vertical: sampled.vertical.samples,
      diagonal: sampled.diagonal.samples,
    },
  };
}

function sensitivity(result: KeySensitivity | PlaintextSensitivity): SecurityReport['keySensitivity'] {
  return {
    npcr: result.npcrPercent,
    uaci: result.uaciPercent,
    changedPixels: result.changedPixels,
    npcrPValue: result.wu.npcrPValue,
    uaciPValue: result.wu.uaciPValue,
    critical: result.wu.verdicts.map((v) => ({
      alpha: v.alpha,
      npcrCritical: v.npcrCriticalPercent,
      uaciLow: v.uaciLowerPercent,
      uaciHigh: v.uaciUpperPercent,
      npcrPass: v.npcrPass,
      uaciPass: v.uaciPass,
    })),
    pass: result.verdict === 'pass',
    verdict: result.explanation,
    changedPixel: result.kind === 'plaintext' ? result.changedPixel : null,
    flippedBit: result.kind === 'key' ? result.flippedBit : null,
  };
}
