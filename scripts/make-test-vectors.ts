/**
 * Regenerates the encryption test vectors: test/fixtures/encryption-vectors.json and the generated section of
 * docs/encryption.md. Run after a deliberate spec change only:
 *   node --import tsx scripts/make-test-vectors.ts
 * The vectors are public (the test key is 00 01 … 1f); they pin the engine byte for byte.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { arnoldParametersFromKey, buildArnoldPlan } from '../src/core/crypto/arnold.js';
import { createImageCipher } from '../src/core/crypto/cipher.js';
import { CONDITIONS, type Condition } from '../src/core/crypto/condition.js';
import { encryptToContainer } from '../src/core/crypto/container.js';
import { keyFromBytes } from '../src/core/crypto/keys.js';
import { buildKeystream } from '../src/core/crypto/keystream.js';
import { deriveSubkey, type SubkeyLabel } from '../src/core/crypto/subkeys.js';

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
  keystream: string;
  outputs: Record<Condition, string>;
}

export interface EncryptionVectors {
  spec: 'cipherlens-v1';
  key: { hex: string; fingerprint: string; subkeys: Record<SubkeyLabel, string> };
  arnoldDerivation: { aRaw: number; bRaw: number; iterationSeed: number };
  images: VectorImage[];
  container: { condition: Condition; size: number; metadata: { name: string }; input: string; hex: string };
}

export const TEST_KEY_BYTES = Uint8Array.from({ length: 32 }, (_, i) => i);
const SIZES = [4, 5, 28] as const;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const rampImage = (size: number): Uint8Array => Uint8Array.from({ length: size * size }, (_, i) => i % 256);

export function buildVectors(): EncryptionVectors {
  const key = keyFromBytes(TEST_KEY_BYTES, 'test vectors');
  const labels: SubkeyLabel[] = ['arnold', 'keystream', 'mac', 'fingerprint'];
  const subkeys = Object.fromEntries(
    labels.map((label) => [label, hex(deriveSubkey(key.bytes, label))]),
  ) as Record<SubkeyLabel, string>;
  const params = arnoldParametersFromKey(key.bytes);
  const images = SIZES.map((size): VectorImage => {
    const input = rampImage(size);
    const plan = buildArnoldPlan(params, size);
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
      keystream: hex(buildKeystream(key.bytes, size, size)),
      outputs,
    };
  });
  const metadata = { name: 'vector.png' };
  const containerInput = rampImage(4);
  return {
    spec: 'cipherlens-v1',
    key: { hex: hex(key.bytes), fingerprint: key.fingerprint, subkeys },
    arnoldDerivation: { aRaw: params.a, bRaw: params.b, iterationSeed: params.iterationSeed },
    images,
    container: {
      condition: 'arnold+xor',
      size: 4,
      metadata,
      input: hex(containerInput),
      hex: hex(encryptToContainer(key, 'arnold+xor', 4, containerInput, metadata)),
    },
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
    if (image.arnold.gather) out.push(`Gather table: \`[${image.arnold.gather.join(', ')}]\``, '');
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
  process.stdout.write(`wrote ${fixture} and the vectors section of ${docPath}\n`);
}

if (process.argv[1] && /make-test-vectors\.ts$/.test(process.argv[1])) await main();
