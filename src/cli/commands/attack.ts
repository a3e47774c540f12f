import { writeFile } from 'node:fs/promises';
import {
  machineInfo,
  measureCiphertextOnly,
  measureKeyspace,
  measureKnownPlaintext,
  type CiphertextOnlyReport,
  type KeyspaceMeasurement,
  type KnownPlaintextReport,
  type KnownPlaintextRow,
} from '../../core/attacks/experiments.js';
import { renderImageGrid, type GridBlock } from '../../core/attacks/grid.js';
import { ATTACK_DATASETS, loadAttackImages, type AttackImages } from '../../core/attacks/image-sets.js';
import {
  CONDITIONS,
  DEFAULT_CONDITION,
  parseCondition,
  usesPermutation,
  type Condition,
} from '../../core/crypto/condition.js';
import { generateKey, type CipherKey } from '../../core/crypto/keys.js';
import { resolveDataDir } from '../../core/datasets/data-dir.js';
import { CipherLensError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import {
  loadKeyOption,
  parseCommandArgs,
  parseIntegerOption,
  passphraseOptions,
  printJson,
} from '../crypto-options.js';
import { formatTable } from '../table.js';

/** The conditions the attacks apply to: those that permute (registry), since they recover a permutation. */
const PERMUTING = CONDITIONS.filter((c) => usesPermutation(c));

function attackedCondition(values: { condition?: string | undefined }): Condition {
  const condition = parseCondition(values.condition ?? DEFAULT_CONDITION);
  if (!usesPermutation(condition)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `--condition must permute (${PERMUTING.join(', ')}), got "${condition}"`,
    );
  }
  return condition;
}

const usage = `Usage: cipherlens attack known-plaintext|ciphertext-only|keyspace [options]

Runs an attack on a permuting condition (default arnold+xor; --condition uniform+xor for the keyed uniform
permutation) and measures it against the truth (the attack itself never sees the key):
images are encrypted with the real cipher under a fresh random key (or --key), the attack recovers what it can, and
the result is compared with the key's tables and the original images.

  known-plaintext   k (plain, cipher) pairs → the gather table and keystream, then every other image of the key.
                    Methods: arnold-sl2 (solve for the one SL2(Z/N) matrix behind every Arnold permutation) and
                    permutation-li2008 (the general permutation-only attack of Li et al. 2008; assumes nothing about
                    how the permutation was made). Both cancel the keystream with differences of pairs.
  ciphertext-only   ciphertexts only → keystream (per-position mode, then neighbour differences), permutation
                    (smoothest element of SL2(Z/N)). Public plain images of the same kind (--reference) settle the
                    global XOR byte and the rotation that smoothness cannot see.
  keyspace          |SL2(Z/N)|, the permutations the key derivation actually reaches, log2((N²)!) for a uniform
                    permutation, and the measured price of brute force.

Options:
  --dataset D[,D…]      mnist | mednist | synthetic (default mnist); MNIST: t10k images attacked, training images as
                        reference; MedNIST: a sample read straight from the tarball (files 000000… of each class,
                        shuffled; reference from file 005000 on)
  --data-dir DIR        where the datasets are (default: $CIPHERLENS_DATA, ../shared/data, data/datasets)
  --size N              synthetic images only: N×N (default 28)
  --key FILE            attack this key instead of a fresh random one
  --passphrase-env VAR / --passphrase-file F   for a protected key
  --seed S              sample order and synthetic images (default 1)
  --condition C         ${PERMUTING.join(' | ')} (default ${DEFAULT_CONDITION}; known-plaintext, ciphertext-only)
  --json                the full report as JSON
known-plaintext:
  --known K[,K…]        numbers of known pairs to try (default 1,2,3,4,8,16,32,64)
  --targets N           other images of the key to decrypt (default 1000)
  --methods M[,M…]      arnold-sl2, permutation-li2008 (default both)
ciphertext-only:
  --counts C[,C…]       numbers of ciphertexts (default 10,100,1000)
  --reference N         public plain images for the orientation and global byte (default 200; 0: none)
  --png FILE            write originals, ciphertexts and recovered images (first 8) as a PNG grid
  --repeat R            run with R fresh random keys and summarise (mean, min, max); not with --key
keyspace:
  --sizes N[,N…]        image sizes (default 28,64,256; at most 256)
  --early-abort-limit N candidates timed in the early-abort brute force (default 2000000)
  --full-limit N        candidates timed with full tables (default 2000)`;

const options = {
  dataset: { type: 'string' },
  'data-dir': { type: 'string' },
  size: { type: 'string' },
  key: { type: 'string' },
  ...passphraseOptions,
  seed: { type: 'string' },
  condition: { type: 'string' },
  json: { type: 'boolean', default: false },
  known: { type: 'string' },
  targets: { type: 'string' },
  methods: { type: 'string' },
  counts: { type: 'string' },
  reference: { type: 'string' },
  png: { type: 'string' },
  repeat: { type: 'string' },
  sizes: { type: 'string' },
  'early-abort-limit': { type: 'string' },
  'full-limit': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

function integer(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return parseIntegerOption(value, name, min, max) ?? fallback;
}

function integerList(
  value: string | undefined,
  name: string,
  fallback: number[],
  min: number,
  max: number,
): number[] {
  if (value === undefined) return fallback;
  const list = value.split(',').map((part) => integer(part.trim(), name, 0, min, max));
  if (list.length === 0) throw new CipherLensError('BAD_INPUT', `--${name} needs at least one value`);
  return [...new Set(list)];
}

function datasets(values: Values): string[] {
  const list = (values.dataset ?? 'mnist').split(',').map((name) => name.trim());
  for (const name of list) {
    if (!(ATTACK_DATASETS as readonly string[]).includes(name)) {
      throw new CipherLensError(
        'BAD_INPUT',
        `--dataset must be one or more of ${ATTACK_DATASETS.join(', ')}, got "${name}"`,
      );
    }
  }
  return [...new Set(list)];
}

async function targetKey(values: Values): Promise<{ key: CipherKey; source: string }> {
  if (values.key) return { key: await loadKeyOption(values), source: values.key };
  return { key: generateKey('attack target'), source: 'fresh random key (CSPRNG)' };
}

const pct = (value: number): string => `${(value * 100).toFixed(2)}%`;
const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(0));

async function load(values: Values, name: string, count: number, reference: number): Promise<AttackImages> {
  process.stderr.write(
    `attack: loading ${name} (${count} images${reference ? ` + ${reference} reference` : ''})…\n`,
  );
  return loadAttackImages(name, {
    dataDir: resolveDataDir(values['data-dir']),
    count,
    reference,
    seed: integer(values.seed, 'seed', 1, 0, 0xffffffff),
    size: integer(values.size, 'size', 28, 4, 256),
  });
}

function knownPlaintextText(dataset: AttackImages, report: KnownPlaintextReport): string {
  const header = [
    'method',
    'k',
    'time ms',
    'consistent',
    'unique pos.',
    'gather ok',
    'keystream ok',
    'pixels',
    'images',
  ];
  const rows = report.rows.map((row: KnownPlaintextRow) => [
    row.method,
    String(row.known),
    ms(row.ms),
    row.consistent === null ? '' : String(row.consistent),
    row.uniquePositions === null ? '' : String(row.uniquePositions),
    pct(row.gatherCorrect),
    pct(row.keystreamCorrect),
    row.targets ? pct(row.targets.pixelsExact) : 'nothing',
    row.targets ? pct(row.targets.imagesExact) : 'nothing',
  ]);
  const needed = Object.entries(report.kNeeded)
    .map(
      ([method, k]) => `${method} ${k ?? `not within k ≤ ${Math.max(...report.rows.map((r) => r.known))}`}`,
    )
    .join('; ');
  return [
    `${dataset.dataset} ${report.size}×${report.size}: ${dataset.description}`,
    `"pixels"/"images": exactly recovered among ${report.targets} other images of the key`,
    ...formatTable(header, rows, [
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
    ]),
    `k needed for the exact tables: ${needed}`,
    '',
  ].join('\n');
}

function ciphertextOnlyText(dataset: AttackImages, report: CiphertextOnlyReport): string {
  const header = [
    'ciphertexts',
    'time ms',
    'keystream (mode)',
    'keystream',
    'permutation',
    'pixels',
    'images',
    'MAE',
    'pixels if oriented',
  ];
  const rows = report.rows.map((row) => [
    String(row.ciphertexts),
    ms(row.ms),
    pct(row.keystreamCorrectMode),
    pct(row.keystreamCorrect),
    row.permutation,
    pct(row.recovery.pixelsExact),
    pct(row.recovery.imagesExact),
    row.recovery.meanAbsoluteError.toFixed(2),
    row.recoveryIfOrientationKnown ? pct(row.recoveryIfOrientationKnown.pixelsExact) : '',
  ]);
  return [
    `${dataset.dataset} ${report.size}×${report.size}: ${dataset.description}`,
    ...formatTable(header, rows, [
      'right',
      'right',
      'right',
      'right',
      'left',
      'right',
      'right',
      'right',
      'right',
    ]),
    '',
  ].join('\n');
}

function keyspaceText(rows: KeyspaceMeasurement[]): string {
  const header = [
    'N',
    '|SL2(Z/N)|',
    'reachable',
    'bits reachable',
    'entropy bits',
    'log2((N²)!)',
    'µs/cand. (abort)',
    'µs/cand. (full)',
    'all SL2 (s)',
  ];
  const body = rows.map((row) => [
    String(row.size),
    row.sl2Order.toLocaleString('en-US'),
    row.reachable.distinctPermutations.toLocaleString('en-US'),
    row.reachableBits.toFixed(2),
    row.reachable.entropyBits.toFixed(2),
    Math.round(row.uniformPermutationBits).toLocaleString('en-US'),
    row.bruteForce.earlyAbort.microsPerCandidate.toFixed(3),
    row.bruteForce.fullTable.microsPerCandidate.toFixed(1),
    row.bruteForce.seconds.sl2FullTable.toFixed(2),
  ]);
  return `${formatTable(header, body, Array(9).fill('right')).join('\n')}\n`;
}

function uniformKeyspaceText(rows: KeyspaceMeasurement[]): string {
  const header = [
    'N',
    'log2((N²)!)',
    'bits reachable',
    'vs Arnold (bits)',
    'µs/cand. (table)',
    'all (log10 years)',
  ];
  const body = rows.map((row) => [
    String(row.size),
    Math.round(row.uniformPermutationBits).toLocaleString('en-US'),
    row.uniformReachableBits.toFixed(0),
    `+${(row.uniformReachableBits - row.reachableBits).toFixed(1)}`,
    row.uniformBruteForce.microsPerCandidate.toFixed(1),
    row.uniformBruteForce.log10Years.toFixed(1),
  ]);
  return `${formatTable(header, body, Array(6).fill('right')).join('\n')}\n`;
}

async function runKnownPlaintext(values: Values): Promise<number> {
  const known = integerList(values.known, 'known', [1, 2, 3, 4, 8, 16, 32, 64], 1, 10_000);
  const targets = integer(values.targets, 'targets', 1000, 1, 100_000);
  const methods = (values.methods ?? 'arnold-sl2,permutation-li2008').split(',').map((m) => m.trim());
  for (const method of methods) {
    if (method !== 'arnold-sl2' && method !== 'permutation-li2008') {
      throw new CipherLensError(
        'BAD_INPUT',
        `--methods takes arnold-sl2 and permutation-li2008, got "${method}"`,
      );
    }
  }
  const condition = attackedCondition(values);
  const { key, source } = await targetKey(values);
  const results: { dataset: AttackImages; report: KnownPlaintextReport }[] = [];
  for (const name of datasets(values)) {
    const dataset = await load(values, name, Math.max(...known) + targets, 0);
    const report = measureKnownPlaintext(
      key,
      dataset.attacked,
      known,
      targets,
      methods as KnownPlaintextRow['method'][],
      condition,
    );
    results.push({ dataset, report });
  }
  if (values.json) {
    printJson({
      attack: 'known-plaintext',
      condition,
      machine: machineInfo(),
      key: { fingerprint: key.fingerprint, source },
      datasets: results.map(({ dataset, report }) => ({
        dataset: dataset.dataset,
        description: dataset.description,
        ...report,
      })),
    });
  } else {
    process.stdout.write(`Known-plaintext attack on ${condition} (key ${key.fingerprint}, ${source})\n\n`);
    for (const { dataset, report } of results)
      process.stdout.write(`${knownPlaintextText(dataset, report)}\n`);
  }
  return 0;
}

interface Spread {
  mean: number;
  min: number;
  max: number;
}

const spread = (values: number[]): Spread => ({
  mean: values.reduce((sum, v) => sum + v, 0) / values.length,
  min: Math.min(...values),
  max: Math.max(...values),
});

interface CiphertextOnlySummary {
  dataset: string;
  ciphertexts: number;
  keys: number;
  permutationExact: number;
  permutationUpToRotation: number;
  keystreamCorrect: Spread;
  pixelsExact: Spread;
  imagesExact: Spread;
  meanAbsoluteError: Spread;
}

function summarise(
  runs: { datasets: { dataset: AttackImages; report: CiphertextOnlyReport }[] }[],
): CiphertextOnlySummary[] {
  const out: CiphertextOnlySummary[] = [];
  for (const [index, { dataset, report }] of runs[0]!.datasets.entries()) {
    for (const { ciphertexts } of report.rows) {
      const rows = runs.map((run) =>
        run.datasets[index]!.report.rows.find((r) => r.ciphertexts === ciphertexts)!,
      );
      out.push({
        dataset: dataset.dataset,
        ciphertexts,
        keys: rows.length,
        permutationExact: rows.filter((r) => r.permutation === 'exact').length,
        permutationUpToRotation: rows.filter((r) => r.permutation !== 'wrong').length,
        keystreamCorrect: spread(rows.map((r) => r.keystreamCorrect)),
        pixelsExact: spread(rows.map((r) => r.recovery.pixelsExact)),
        imagesExact: spread(rows.map((r) => r.recovery.imagesExact)),
        meanAbsoluteError: spread(rows.map((r) => r.recovery.meanAbsoluteError)),
      });
    }
  }
  return out;
}

function summaryText(summary: CiphertextOnlySummary[]): string {
  const range = (s: Spread): string => `${pct(s.mean)} (${pct(s.min)}–${pct(s.max)})`;
  const header = ['dataset', 'ciphertexts', 'keys', 'T exact', 'keystream', 'pixels', 'images'];
  const rows = summary.map((s) => [
    s.dataset,
    String(s.ciphertexts),
    String(s.keys),
    `${s.permutationExact}/${s.keys}`,
    range(s.keystreamCorrect),
    range(s.pixelsExact),
    range(s.imagesExact),
  ]);
  return `Over ${summary[0]?.keys ?? 0} keys: mean (min–max)\n${formatTable(header, rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right']).join('\n')}\n`;
}

async function runCiphertextOnly(values: Values): Promise<number> {
  const counts = integerList(values.counts, 'counts', [10, 100, 1000], 1, 100_000);
  const referenceCount = integer(values.reference, 'reference', 200, 0, 20_000);
  const repeat = integer(values.repeat, 'repeat', 1, 1, 100);
  const condition = attackedCondition(values);
  if (repeat > 1 && values.key)
    throw new CipherLensError('BAD_INPUT', '--repeat draws fresh keys: it cannot be used with --key');
  const loaded: AttackImages[] = [];
  for (const name of datasets(values))
    loaded.push(await load(values, name, Math.max(...counts), referenceCount));
  const columns = 8;
  const runs: {
    key: CipherKey;
    source: string;
    datasets: { dataset: AttackImages; report: CiphertextOnlyReport }[];
  }[] = [];
  const blocks: GridBlock[] = [];
  for (let run = 0; run < repeat; run++) {
    const { key, source } = await targetKey(values);
    const results: { dataset: AttackImages; report: CiphertextOnlyReport }[] = [];
    for (const dataset of loaded) {
      const drawing = Boolean(values.png) && run === 0;
      const { report, samples, encrypted } = measureCiphertextOnly(
        key,
        dataset.attacked,
        referenceCount > 0 ? dataset.reference : null,
        counts,
        { keepImages: drawing ? columns : 0, condition },
      );
      results.push({ dataset, report });
      if (drawing) {
        const pixels = dataset.attacked.size * dataset.attacked.size;
        const shown = Math.min(columns, Math.min(...counts)) * pixels;
        blocks.push({
          title: `${dataset.dataset} ${report.size}×${report.size} — ciphertext-only, key ${key.fingerprint}`,
          size: report.size,
          rows: [
            { label: 'original', images: encrypted.plain.pixels.subarray(0, shown) },
            { label: `ciphertext (${condition})`, images: encrypted.cipher.subarray(0, shown) },
            ...samples.map((sample) => {
              const row = report.rows.find((r) => r.ciphertexts === sample.count)!;
              return {
                label: `recovered from ${sample.count}\nciphertexts: ${pct(row.recovery.pixelsExact)}\nof pixels exact`,
                images: sample.recovered.subarray(0, shown),
              };
            }),
          ],
        });
      }
    }
    runs.push({ key, source, datasets: results });
  }
  if (values.png) await writeFile(values.png, await renderImageGrid(blocks, columns));
  const summary = summarise(runs);
  if (values.json) {
    printJson({
      attack: 'ciphertext-only',
      condition,
      machine: machineInfo(),
      png: values.png ?? null,
      runs: runs.map((run) => ({
        key: { fingerprint: run.key.fingerprint, source: run.source },
        datasets: run.datasets.map(({ dataset, report }) => ({
          dataset: dataset.dataset,
          description: dataset.description,
          ...report,
        })),
      })),
      summary,
    });
  } else {
    for (const run of runs) {
      process.stdout.write(
        `Ciphertext-only attack on ${condition} (key ${run.key.fingerprint}, ${run.source})\n\n`,
      );
      for (const { dataset, report } of run.datasets)
        process.stdout.write(`${ciphertextOnlyText(dataset, report)}\n`);
    }
    if (runs.length > 1) process.stdout.write(`${summaryText(summary)}\n`);
    if (values.png) process.stdout.write(`wrote ${values.png}\n`);
  }
  return 0;
}

async function runKeyspace(values: Values): Promise<number> {
  const sizes = integerList(values.sizes, 'sizes', [28, 64, 256], 2, 256);
  const earlyAbortLimit = integer(values['early-abort-limit'], 'early-abort-limit', 2_000_000, 1, 1e9);
  const fullLimit = integer(values['full-limit'], 'full-limit', 2000, 1, 1e9);
  const { key, source } = await targetKey(values);
  const rows = sizes.map((n) => measureKeyspace(key, n, { earlyAbortLimit, fullLimit }));
  if (values.json) {
    printJson({
      attack: 'keyspace',
      machine: machineInfo(),
      key: { fingerprint: key.fingerprint, source },
      sizes: rows,
    });
  } else {
    process.stdout.write(`Arnold key space and brute force (timed on key ${key.fingerprint}, ${source})\n\n`);
    process.stdout.write(keyspaceText(rows));
    process.stdout.write(
      `\nUniform keyed permutation (uniform, uniform+xor): one permutation per 256-bit sub-key\n\n`,
    );
    process.stdout.write(uniformKeyspaceText(rows));
  }
  return 0;
}

const command: CliCommand = {
  name: 'attack',
  summary:
    'Measured attacks on arnold+xor (or another permuting condition): known-plaintext, ciphertext-only, key space',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('attack', argv, options);
    const [which, ...extra] = positionals;
    if (extra.length > 0) throw new CipherLensError('BAD_INPUT', `unexpected argument ${extra[0]}`);
    if (which === 'known-plaintext') return runKnownPlaintext(values);
    if (which === 'ciphertext-only') return runCiphertextOnly(values);
    if (which === 'keyspace') return runKeyspace(values);
    throw new CipherLensError(
      'BAD_INPUT',
      `${which === undefined ? 'name an attack' : `unknown attack "${which}"`}: known-plaintext, ciphertext-only or keyspace (see \`cipherlens attack --help\`)`,
    );
  },
};

export default command;
