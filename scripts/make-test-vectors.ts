/**
 * Regenerates the test vectors: test/fixtures/encryption-vectors.json and the generated section of
 * docs/encryption.md (the encryption engine), and test/fixtures/split-vectors.json (the split PRNG, bounded
 * integers, shuffles and the split of two small datasets; docs/datasets.md). Run after a deliberate spec change only:
 *   node --import tsx scripts/make-test-vectors.ts
 * The vectors are public (the test key is 00 01 … 1f); they pin the engine and the splits byte for byte.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { arnoldParametersFromKey, buildArnoldPlan } from '../src/core/crypto/arnold.js';
import { createImageCipher } from '../src/core/crypto/cipher.js';
import { CONDITIONS, DEFAULT_CONDITION, type Condition } from '../src/core/crypto/condition.js';
import { encryptToContainer } from '../src/core/crypto/container.js';
import { recordDigest } from '../src/core/workspace/item-binding.js';
import { keyFromBytes } from '../src/core/crypto/keys.js';
import { buildKeystream } from '../src/core/crypto/keystream.js';
import { deriveSubkey, SUBKEY_LABELS, type SubkeyLabel } from '../src/core/crypto/subkeys.js';
import { buildUniformPlan } from '../src/core/crypto/uniform.js';
import { createPrng, shuffleInPlace } from '../src/core/datasets/prng.js';
import { apportion, planCarvedValidation, planStratifiedFractions } from '../src/core/datasets/splits.js';

export interface VectorImage {
  size: number;
  /** How the input was made, in words. */
  inputRule: string;
  input: string;
  arnold: {
    a: number;
    b: number;
    period: number;
    iterations: number;
    parametersId: string;
    /** Only for tiny sizes, so a re-implementation can compare tables. */
    gather?: number[];
  };
  /** The keyed uniform permutation (Fisher–Yates over AES-CTR of the uniform-permutation sub-key). */
  uniform: {
    parametersId: string;
    /** Only for tiny sizes, as for Arnold. */
    gather?: number[];
  };
  keystream: string;
  outputs: Record<Condition, string>;
}

export interface EncryptionVectors {
  spec: 'cipherlens-v1';
  key: { hex: string; fingerprint: string; subkeys: Record<SubkeyLabel, string> };
  arnoldDerivation: { aRaw: number; bRaw: number; iterationSeed: number };
  images: VectorImage[];
  container: { condition: Condition; size: number; metadata: { name: string }; input: string; hex: string };
  /** A version-2 container, bound to a workspace item (docs/encryption.md §7). */
  boundContainer: {
    condition: Condition;
    size: number;
    metadata: { name: string };
    input: string;
    /** The record fields the digest covers, besides the key fingerprint, condition and size above. */
    item: { id: string; sourceKey: string; seal: string };
    recordDigest: string;
    hex: string;
  };
}

export const TEST_KEY_BYTES = Uint8Array.from({ length: 32 }, (_, i) => i);
const SIZES = [4, 5, 28] as const;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const rampImage = (size: number): Uint8Array => Uint8Array.from({ length: size * size }, (_, i) => i % 256);

export function buildVectors(): EncryptionVectors {
  const key = keyFromBytes(TEST_KEY_BYTES, 'test vectors');
  const subkeys = Object.fromEntries(
    SUBKEY_LABELS.map((label) => [label, hex(deriveSubkey(key.bytes, label))]),
  ) as Record<SubkeyLabel, string>;
  const params = arnoldParametersFromKey(key.bytes);
  const images = SIZES.map((size): VectorImage => {
    const input = rampImage(size);
    const plan = buildArnoldPlan(params, size);
    const uniform = buildUniformPlan(key.bytes, size);
    const outputs = Object.fromEntries(
      CONDITIONS.map((condition) => [condition, hex(createImageCipher(key, condition, size).encrypt(input))]),
    ) as Record<Condition, string>;
    return {
      size,
      inputRule: 'pixel i (row-major) = i mod 256',
      input: hex(input),
      arnold: {
        a: plan.a,
        b: plan.b,
        period: plan.period,
        iterations: plan.iterations,
        parametersId: plan.parametersId,
        ...(size <= 5 ? { gather: [...plan.gather] } : {}),
      },
      uniform: {
        parametersId: uniform.parametersId,
        ...(size <= 5 ? { gather: [...uniform.gather] } : {}),
      },
      keystream: hex(buildKeystream(key.bytes, size, size)),
      outputs,
    };
  });
  const metadata = { name: 'vector.png' };
  const containerInput = rampImage(4);
  const item = {
    id: 'vectorItem-01',
    sourceKey: '0123456789abcdef0123456789abcdef01234567',
    seal: '00112233445566778899aabbccddeeff',
  };
  const digest = recordDigest({
    ...item,
    keyFingerprint: key.fingerprint,
    condition: DEFAULT_CONDITION,
    size: 4,
  });
  return {
    spec: 'cipherlens-v1',
    key: { hex: hex(key.bytes), fingerprint: key.fingerprint, subkeys },
    arnoldDerivation: { aRaw: params.a, bRaw: params.b, iterationSeed: params.iterationSeed },
    images,
    container: {
      condition: DEFAULT_CONDITION,
      size: 4,
      metadata,
      input: hex(containerInput),
      hex: hex(encryptToContainer(key, DEFAULT_CONDITION, 4, containerInput, metadata)),
    },
    boundContainer: {
      condition: DEFAULT_CONDITION,
      size: 4,
      metadata,
      input: hex(containerInput),
      item,
      recordDigest: digest,
      hex: hex(
        encryptToContainer(key, DEFAULT_CONDITION, 4, containerInput, metadata, {
          itemId: item.id,
          recordDigest: digest,
        }),
      ),
    },
  };
}

export interface SplitVectors {
  spec: 'cipherlens-splits-v1';
  /** splitmix32 words (the xoshiro128** state) and the first outputs of createPrng(seed).nextUint32(). */
  prng: { seed: number; splitmix32: number[]; nextUint32: number[] }[];
  /** createPrng(42).nextBelow(bound), fresh generator per case; `draws` are the raw 32-bit outputs consumed. */
  nextBelow: {
    seed: number;
    bound: number;
    limit: number;
    draws: { raw: number; accepted: boolean }[];
    values: number[];
  }[];
  shuffle: { seed: number; input: number[]; output: number[] };
  apportion: { total: number; weights: number[]; parts: number[] }[];
  splits: {
    policy: 'stratified-fractions' | 'carved-validation';
    seed: number;
    labels: number[];
    classCount: number;
    fractions?: { val: number; test: number };
    validation?: number;
    testCount?: number;
    train: number[];
    val: number[];
    test: number[];
  }[];
}

/**
 * splitmix32 as docs/datasets.md states it, written from the doc (prng.ts does not export it): state += 0x9e3779b9,
 * then the murmur3 finalizer. The test checks that xoshiro128** seeded with these words is createPrng(seed).
 */
function documentedSplitmix32(seed: number, count: number): number[] {
  let state = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    out.push((z ^ (z >>> 16)) >>> 0);
  }
  return out;
}

/** Labels in a fixed, interleaved order (not sorted by class), so the vectors exercise the per-class indexing. */
const interleavedLabels = (counts: readonly number[]): number[] => {
  const left = [...counts];
  const labels: number[] = [];
  for (let step = 0; left.some((c) => c > 0); step++) {
    const label = (step * 7) % counts.length;
    if (left[label]! > 0) {
      labels.push(label);
      left[label]!--;
    } else {
      const other = left.findIndex((c) => c > 0);
      labels.push(other);
      left[other]!--;
    }
  }
  return labels;
};

export function buildSplitVectors(): SplitVectors {
  const prng = [0, 1, 42, 0xffffffff].map((seed) => {
    const generator = createPrng(seed);
    return {
      seed,
      splitmix32: documentedSplitmix32(seed, 4),
      nextUint32: Array.from({ length: 8 }, () => generator.nextUint32()),
    };
  });
  const nextBelow = [6, 1000, 0x80000001, 0x1_0000_0000].map((bound) => {
    const raw = createPrng(42);
    const generator = createPrng(42);
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
    const values: number[] = [];
    const draws: { raw: number; accepted: boolean }[] = [];
    while (values.length < 8) {
      const value = raw.nextUint32();
      draws.push({ raw: value, accepted: value < limit });
      if (value < limit) values.push(generator.nextBelow(bound));
    }
    return { seed: 42, bound, limit, draws, values };
  });
  const input = Array.from({ length: 10 }, (_, i) => i);
  const shuffle = { seed: 42, input, output: [...shuffleInPlace(Uint32Array.from(input), createPrng(42))] };
  const apportionCases = [
    { total: 5895, weights: [10000, 8954, 10000, 10000, 10000, 10000] },
    { total: 10, weights: [1, 1, 1] },
    { total: 4, weights: [7, 4, 9] },
  ].map((c) => ({ ...c, parts: apportion(c.total, c.weights) }));
  const pooled = interleavedLabels([7, 4, 9]);
  const fractions = { val: 0.2, test: 0.2 };
  const pooledPlan = planStratifiedFractions(Int32Array.from(pooled), 3, fractions, 42);
  const carvedTrain = interleavedLabels([6, 5, 7, 6]);
  const carvedPlan = planCarvedValidation(Int32Array.from(carvedTrain), 5, 4, 6, 42);
  return {
    spec: 'cipherlens-splits-v1',
    prng,
    nextBelow,
    shuffle,
    apportion: apportionCases,
    splits: [
      {
        policy: 'stratified-fractions',
        seed: 42,
        labels: pooled,
        classCount: 3,
        fractions,
        train: [...pooledPlan.train.indices],
        val: [...pooledPlan.val.indices],
        test: [...pooledPlan.test.indices],
      },
      {
        policy: 'carved-validation',
        seed: 42,
        labels: carvedTrain,
        classCount: 4,
        validation: 6,
        testCount: 5,
        train: [...carvedPlan.train.indices],
        val: [...carvedPlan.val.indices],
        test: [...carvedPlan.test.indices],
      },
    ],
  };
}

/** Hex split into one line per image row, so the doc stays readable; tests compare with whitespace removed. */
function rows(hexText: string, size: number): string {
  const width = size * 2;
  const lines: string[] = [];
  for (let i = 0; i < hexText.length; i += width) lines.push(hexText.slice(i, i + width));
  return lines.join('\n');
}

function wrap(hexText: string, width = 64): string {
  const lines: string[] = [];
  for (let i = 0; i < hexText.length; i += width) lines.push(hexText.slice(i, i + width));
  return lines.join('\n');
}

export function renderVectorsMarkdown(vectors: EncryptionVectors): string {
  const out: string[] = [];
  const { key } = vectors;
  out.push(`Test key (hex): \`${key.hex}\` — fingerprint \`${key.fingerprint}\`.`, '');
  out.push('HKDF sub-keys:', '', '| label | sub-key (hex) |', '| --- | --- |');
  for (const [label, value] of Object.entries(key.subkeys)) out.push(`| ${label} | \`${value}\` |`);
  const d = vectors.arnoldDerivation;
  out.push(
    '',
    `Arnold derivation before reduction: a_raw = ${d.aRaw}, b_raw = ${d.bRaw}, iteration seed = ${d.iterationSeed}.`,
    '',
    '| N | a | b | period | iterations | parameters id |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const image of vectors.images) {
    const p = image.arnold;
    out.push(`| ${image.size} | ${p.a} | ${p.b} | ${p.period} | ${p.iterations} | \`${p.parametersId}\` |`);
  }
  for (const image of vectors.images) {
    const n = image.size;
    out.push('', `### ${n}×${n}, ${image.inputRule}`, '');
    if (image.arnold.gather) out.push(`Arnold gather table: \`[${image.arnold.gather.join(', ')}]\``, '');
    if (image.uniform.gather) {
      out.push(`Uniform gather table: \`[${image.uniform.gather.join(', ')}]\``, '');
    }
    out.push(`Uniform permutation parameters id: \`${image.uniform.parametersId}\``, '');
    out.push(
      'Input:',
      '',
      '```text',
      rows(image.input, n),
      '```',
      '',
      'Keystream:',
      '',
      '```text',
      rows(image.keystream, n),
      '```',
    );
    for (const condition of CONDITIONS) {
      out.push('', `Output, ${condition}:`, '', '```text', rows(image.outputs[condition], n), '```');
    }
  }
  const c = vectors.container;
  out.push(
    '',
    `### Container: ${c.size}×${c.size} ramp, ${c.condition}, metadata \`${JSON.stringify(c.metadata)}\``,
    '',
    '```text',
    wrap(c.hex),
    '```',
  );
  const b = vectors.boundContainer;
  out.push(
    '',
    `### Bound container (version 2): the same image as item \`${b.item.id}\``,
    '',
    `Record fields: id \`${b.item.id}\`, key fingerprint \`${vectors.key.fingerprint}\`, condition \`${b.condition}\`, N = ${b.size}, source key \`${b.item.sourceKey}\`, seal \`${b.item.seal}\`.`,
    '',
    `Record digest: \`${b.recordDigest}\``,
    '',
    '```text',
    wrap(b.hex),
    '```',
  );
  return out.join('\n');
}

export const BEGIN_MARK =
  '<!-- test-vectors:begin (generated by scripts/make-test-vectors.ts; do not edit) -->';
export const END_MARK = '<!-- test-vectors:end -->';

/** Written as the repository's Prettier would write them, so `npm run lint` stays clean after regeneration. */
async function prettify(path: string, text: string): Promise<string> {
  return format(text, { ...(await resolveConfig(path)), filepath: path });
}

async function main(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const vectors = buildVectors();
  const fixture = join(root, 'test/fixtures/encryption-vectors.json');
  await writeFile(fixture, await prettify(fixture, JSON.stringify(vectors, null, 2)));
  const docPath = join(root, 'docs/encryption.md');
  const doc = await readFile(docPath, 'utf8');
  const begin = doc.indexOf(BEGIN_MARK);
  const end = doc.indexOf(END_MARK);
  if (begin < 0 || end < begin) throw new Error(`${docPath} lacks the test-vector markers`);
  const updated = `${doc.slice(0, begin + BEGIN_MARK.length)}\n\n${renderVectorsMarkdown(vectors)}\n\n${doc.slice(end)}`;
  await writeFile(docPath, await prettify(docPath, updated));
  const splitFixture = join(root, 'test/fixtures/split-vectors.json');
  await writeFile(splitFixture, await prettify(splitFixture, JSON.stringify(buildSplitVectors(), null, 2)));
  process.stdout.write(`wrote ${fixture}, the vectors section of ${docPath} and ${splitFixture}\n`);
}

if (process.argv[1] && /make-test-vectors\.ts$/.test(process.argv[1])) await main();
