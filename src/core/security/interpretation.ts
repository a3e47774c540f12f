import { CONDITION_REGISTRY, permutationOf, type Condition } from '../crypto/condition.js';
import type { SecurityReport } from './analyze-image.js';
import type { DirectionalCorrelations } from './correlation.js';
import type { DifferentialMeasure } from './differential.js';
import { wuCriticalValues } from './wu-test.js';

// The words a person reads next to the numbers. Kept apart from the arithmetic so the Security view,
// the CLI and the study all say the same thing.

const percent = (value: number): string => `${value.toFixed(4)}%`;
const bits = (value: number): string => value.toFixed(4);
/** "= 0.506", "= 3.2e-7", or "< 1e-300" where the tail underflows. */
const probability = (p: number): string =>
  p === 0 ? '< 1e-300' : `= ${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`;
const coefficient = (value: number | null): string => (value === null ? 'undefined' : value.toFixed(4));

function wuBounds(pixels: number): string {
  const critical = wuCriticalValues(pixels, 0.05);
  return (
    `NPCR ≥ ${percent(critical.npcrCriticalPercent)} and UACI in ` +
    `${percent(critical.uaciLowerPercent)}–${percent(critical.uaciUpperPercent)}`
  );
}

// Every note below is chosen by the condition's registry properties (does it permute, with which kernel, does it
// XOR), never by its name: a new condition gets the right words without a new branch here.

export function explainPlaintextSensitivity(condition: Condition, measure: DifferentialMeasure): string {
  const { changedPixels, pixels } = measure;
  const changed = `${changedPixels} cipher pixel${changedPixels === 1 ? '' : 's'}`;
  const measured = `NPCR = ${percent(measure.npcrPercent)} (1/n = ${percent(100 / pixels)} for n = ${pixels} pixels)`;
  const bar = `Wu's test at α = 0.05 needs ${wuBounds(pixels)}`;
  const { xor } = CONDITION_REGISTRY[condition];
  const permutation = permutationOf(condition);
  if (!xor && !permutation) {
    return `No encryption: the changed pixel is the only difference, ${measured}. ${bar}; unencrypted images fail it.`;
  }
  if (!xor) {
    return (
      `Permutation only (${permutation!.label}): the changed pixel just moves elsewhere, so ${changed} changed, ` +
      `${measured}. FAIL: a permutation has no diffusion. ${bar}.`
    );
  }
  return (
    `FAIL by design: the keystream${permutation ? ' and the permutation are' : ' is'} fixed ` +
    `per key and image size, so that the same image always gives the same cipher image and a network can ` +
    `learn the encrypted domain. A one-pixel plaintext change therefore changes ${changed}, ${measured}: ` +
    `there is no diffusion, and differential (chosen-plaintext) analysis sees exactly which pixel changed. ${bar}.`
  );
}

export function explainKeySensitivity(
  condition: Condition,
  measure: DifferentialMeasure,
  verdict: 'pass' | 'fail',
): string {
  const result =
    `NPCR = ${percent(measure.npcrPercent)}, UACI = ${percent(measure.uaciPercent)}: ` +
    `${verdict === 'pass' ? 'PASS' : 'FAIL'} at α = 0.05 (${wuBounds(measure.pixels)})`;
  const { xor } = CONDITION_REGISTRY[condition];
  const permutation = permutationOf(condition);
  if (!xor && !permutation) {
    return `The plain condition uses no key: both images are the plain image, so key sensitivity does not apply (${result}).`;
  }
  if (!xor) {
    return (
      `Only the permutation (${permutation!.label}) depends on the key: both cipher images hold the same pixel ` +
      `values in other places, so NPCR/UACI measure how varied the image is (equal neighbours stay equal wherever ` +
      `they move), not key randomness. Wu's test assumes uniform cipher images and does not really apply; ${result}.`
    );
  }
  return (
    `A one-bit key change gives unrelated HKDF sub-keys, hence an unrelated AES-256-CTR keystream` +
    `${permutation ? ` and another ${permutation.label}` : ''}: the two cipher images should differ ` +
    `like independent uniform noise. ${result}.`
  );
}

/** Largest |r| that still looks like noise: 3 standard errors of r (≈ 1/√pairs) for independent pixels. */
function noiseBound(pairs: number): number {
  return 3 / Math.sqrt(pairs);
}

function describeCorrelations(values: DirectionalCorrelations): string {
  return `H ${coefficient(values.horizontal)}, V ${coefficient(values.vertical)}, D ${coefficient(values.diagonal)}`;
}

function correlationNote(report: Omit<SecurityReport, 'notes'>): string {
  const { size } = report;
  const pairs = size * (size - 1);
  const bound = noiseBound((size - 1) * (size - 1));
  const cipher = report.cipher.correlation;
  const values = [cipher.horizontal, cipher.vertical, cipher.diagonal];
  const allNoise = values.every((r) => r !== null && Math.abs(r) <= bound);
  return (
    `Adjacent-pixel correlation over all pairs (~${pairs} per direction): cipher ${describeCorrelations(cipher)}; ` +
    `plain ${describeCorrelations(report.plain.correlation)}. ` +
    (allNoise
      ? `All cipher values are within ±${bound.toFixed(4)} (3/√pairs), what independent noise gives: neighbour structure is hidden.`
      : `Some cipher value is outside ±${bound.toFixed(4)} (3/√pairs) or undefined: neighbour structure is NOT fully hidden.`)
  );
}

function entropyNote(report: Omit<SecurityReport, 'notes'>): string {
  const { reference, pixels } = report;
  return (
    `Entropy: cipher ${bits(report.cipher.entropy)} bits, plain ${bits(report.plain.entropy)} bits. ` +
    `Uniform random noise of ${pixels} pixels has an expected sample entropy of ${bits(reference.uniformEntropy)} bits ` +
    `(the cipher is ${bits(Math.abs(report.cipher.entropy - reference.uniformEntropy))} ` +
    `${report.cipher.entropy < reference.uniformEntropy ? 'below' : 'above'} it); the ideal 8 bits is only reached ` +
    `by very large images, so it is not the bar here. Local entropy over ${report.cipher.blockEntropy.blocks} ` +
    `blocks of ${report.settings.blockSize}×${report.settings.blockSize}: cipher ${bits(report.cipher.blockEntropy.mean)} ` +
    `vs ${bits(reference.uniformBlockEntropy)} expected for uniform noise.`
  );
}

function flatnessNote(report: Omit<SecurityReport, 'notes'>): string {
  const { flatness } = report.cipher;
  const smallSample =
    report.pixels < 5 * 256 ? ' (fewer than 5 expected per bin: the p-value is approximate)' : '';
  return (
    `Cipher histogram χ² = ${flatness.statistic.toFixed(1)} on ${flatness.degreesOfFreedom} dof, ` +
    `p ${probability(flatness.pValue)}${smallSample}: ` +
    (flatness.flat
      ? 'consistent with a flat histogram at α = 0.05.'
      : 'NOT flat at α = 0.05 — the cipher image leaks the plain image histogram.')
  );
}

function threatNote(condition: Condition): string {
  const { xor } = CONDITION_REGISTRY[condition];
  const permutation = permutationOf(condition);
  if (!xor && !permutation)
    return `Condition ${condition}: no encryption at all; the "cipher" image is the plain image.`;
  const limits =
    'Not IND-CPA secure: the same key and size always give the same permutation and keystream. ' +
    (xor
      ? 'C1 ⊕ C2 = π(P1) ⊕ π(P2) (a two-time pad), one known plain/cipher pair reveals the keystream, ' +
        'an all-zero image encrypts to the keystream itself, '
      : '') +
    'a few chosen or known plaintexts recover any fixed permutation (Li et al. 2008), and learned (GAN) inversion ' +
    'attacks exist. These statistics show resistance to casual viewing and ciphertext-only inspection, nothing more.';
  const permutationPart = permutation
    ? ` The permutation is the ${permutation.label}: ${permutation.weakness}.`
    : ' Pixel positions are kept, so any two cipher images XOR to the XOR of their plain images.';
  const valuesPart = xor
    ? ''
    : ' Pixel values, the histogram and the global entropy are exactly those of the plain image.';
  return `Condition ${condition} (${CONDITION_REGISTRY[condition].label}).${valuesPart}${permutationPart} ${limits}`;
}

export function reportNotes(report: Omit<SecurityReport, 'notes'>): string[] {
  const { plaintextSensitivity: plaintext, keySensitivity: key } = report;
  return [
    entropyNote(report),
    flatnessNote(report),
    correlationNote(report),
    `Plaintext sensitivity (one pixel changed, same key): ${plaintext.verdict.toUpperCase()}. ${plaintext.explanation}`,
    `Key sensitivity (key bit ${key.flippedBit} flipped, same image): ${key.verdict.toUpperCase()}. ${key.explanation}`,
    threatNote(report.condition),
  ];
}
