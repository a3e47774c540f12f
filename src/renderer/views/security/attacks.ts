import {
  CONDITION_LABELS,
  DEFAULT_CONDITION_NAME,
  PERMUTING_CONDITION_NAMES,
  type SecurityAttacksResult,
} from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { reportJobEnd, startJob } from '../../app/jobs.js';
import { dataTable } from '../../components/dataTable.js';
import { button, el, field, formatPercent, replaceChildren, select } from '../../components/dom.js';
import { emptyState } from '../../components/emptyState.js';
import { panel } from '../../components/panel.js';
import { stat } from '../../components/viewHeader.js';

type Source = SecurityAttacksResult['source'];
type PermutingCondition = (typeof PERMUTING_CONDITION_NAMES)[number];
type KnownRow = SecurityAttacksResult['knownPlaintext']['rows'][number];
type CiphertextRow = SecurityAttacksResult['ciphertextOnly']['rows'][number];

const SOURCES: readonly { value: Source; label: string }[] = [
  { value: 'workspace', label: 'Workspace images of the active key' },
  { value: 'mnist', label: 'MNIST test sample (1,000 images), encrypted with the active key' },
  { value: 'mednist', label: 'MedNIST sample (1,000 images), encrypted with the active key' },
];

const count = (value: number): string => value.toLocaleString('en-US');
const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

interface Headline {
  value: string;
  note: string;
}

/** The headline numbers of one run, in words: what the panel's stat cards say (testable without a DOM). */
export function attackSummary(result: SecurityAttacksResult): {
  keyspace: Headline;
  sl2: Headline;
  general: Headline;
  ciphertextOnly: Headline;
} {
  const { keyspace, knownPlaintext, ciphertextOnly } = result;
  const most = Math.max(...knownPlaintext.rows.map((r) => r.known));
  const needed = (value: number | null): string =>
    value === null ? `not within ${most} pairs` : `${value} pair${value === 1 ? '' : 's'}`;
  const k = knownPlaintext.kNeeded;
  const fastest = ciphertextOnly.rows[0];
  const largest = ciphertextOnly.rows.at(-1);
  const then = `then every other image of the key decrypts (${count(knownPlaintext.targets)} checked)`;
  return {
    keyspace: result.permutation.inSl2
      ? {
          value: `${count(keyspace.reachablePermutations)} (${keyspace.reachableBits.toFixed(1)} bits)`,
          note: `distinct ${result.permutation.label} permutations at ${result.size}×${result.size}, inside SL2(Z/${result.size}) = ${count(keyspace.sl2Order)}: all searched in ${keyspace.sl2SearchSeconds < 1 ? keyspace.sl2SearchSeconds.toFixed(2) : keyspace.sl2SearchSeconds.toFixed(0)} s. A uniform permutation: 2^${keyspace.uniformReachableBits.toFixed(0)}`,
        }
      : {
          value: `2^${keyspace.uniformReachableBits.toFixed(0)}`,
          note: `${result.permutation.label}s: one per 256-bit sub-key, of (N²)! = 2^${count(Math.round(keyspace.uniformPermutationBits))}; brute force ≈ 10^${keyspace.uniformSearchLog10Years.toFixed(0)} years (Arnold: ${count(keyspace.reachablePermutations)})`,
        },
    sl2: {
      value: needed(k['arnold-sl2']),
      note: `known pairs for the exact key tables by enumerating SL2(Z/${result.size}) (Arnold maps only); ${then}`,
    },
    general: {
      value: needed(k['permutation-li2008']),
      note: `known pairs for the exact tables by the general permutation attack (Li et al. 2008; any permutation)`,
    },
    ciphertextOnly: {
      value: largest ? `${formatPercent(largest.recovery.pixelsExact)} of pixels` : 'not run',
      note: largest
        ? `from ${count(largest.ciphertexts)} ciphertexts and no key: ${formatPercent(largest.recovery.imagesExact)} of images exact, mean error ${largest.recovery.meanAbsoluteError.toFixed(2)} grey levels, permutation ${largest.permutation}, keystream ${formatPercent(largest.keystreamCorrect)}${fastest && fastest !== largest ? `; from ${count(fastest.ciphertexts)}: ${formatPercent(fastest.recovery.pixelsExact)} of pixels` : ''}`
        : '',
    },
  };
}

/** One row per number of known pairs, the two methods side by side. */
interface PairRow {
  known: number;
  sl2: KnownRow | undefined;
  general: KnownRow | undefined;
}

export function pairRows(result: SecurityAttacksResult): PairRow[] {
  const ks = [...new Set(result.knownPlaintext.rows.map((r) => r.known))].sort((a, b) => a - b);
  const find = (method: KnownRow['method'], known: number): KnownRow | undefined =>
    result.knownPlaintext.rows.find((r) => r.method === method && r.known === known);
  return ks.map((known) => ({
    known,
    sl2: find('arnold-sl2', known),
    general: find('permutation-li2008', known),
  }));
}

const share = (row: KnownRow | undefined, pick: (r: KnownRow) => number | null): number | null =>
  row ? pick(row) : null;
const shareText = (value: number | null, row: KnownRow | undefined): string =>
  row === undefined ? '' : value === null ? 'nothing' : formatPercent(value);

function knownPlaintextTable(result: SecurityAttacksResult): HTMLElement {
  const columns = (method: 'sl2' | 'general', name: string) =>
    [
      {
        label: `${name}: tables right`,
        value: (r: PairRow) => share(r[method], (x) => Math.min(x.gatherCorrect, x.keystreamCorrect)),
        format: (r: PairRow) =>
          shareText(
            share(r[method], (x) => Math.min(x.gatherCorrect, x.keystreamCorrect)),
            r[method],
          ),
        numeric: true,
      },
      {
        label: `${name}: images exact`,
        value: (r: PairRow) => share(r[method], (x) => x.targets?.imagesExact ?? null),
        format: (r: PairRow) =>
          shareText(
            share(r[method], (x) => x.targets?.imagesExact ?? null),
            r[method],
          ),
        numeric: true,
      },
    ] as const;
  return dataTable<PairRow>({
    title: 'Known plaintext: k pairs → the key tables → every other image',
    caption: `"Tables right": the smaller of the permutation's and the keystream's share of correct positions. "Images exact": of the ${count(result.knownPlaintext.targets)} other images of the sample, decrypted with the recovered tables. "nothing": no key material found.`,
    rows: pairRows(result),
    testId: 'attack-known-plaintext',
    columns: [
      { label: 'k pairs', value: (r) => r.known, numeric: true },
      ...columns('sl2', 'SL2'),
      ...columns('general', 'Li et al.'),
    ],
  });
}

function ciphertextOnlyTable(result: SecurityAttacksResult): HTMLElement {
  return dataTable<CiphertextRow>({
    title: 'Ciphertext only: c ciphertexts → keystream and permutation',
    caption: `The attack sees the first c ciphertexts${result.reference > 0 ? ` and ${count(result.reference)} public plain images of the same kind (never encrypted)` : ' and nothing else'}.`,
    rows: result.ciphertextOnly.rows,
    testId: 'attack-ciphertext-only',
    columns: [
      { label: 'Ciphertexts', value: (r) => r.ciphertexts, numeric: true },
      { label: 'Time', value: (r) => r.ms, format: (r) => seconds(r.ms), numeric: true },
      {
        label: 'Keystream right',
        value: (r) => r.keystreamCorrect,
        format: (r) => formatPercent(r.keystreamCorrect),
        numeric: true,
      },
      { label: 'Permutation', value: (r) => r.permutation },
      {
        label: 'Pixels exact',
        value: (r) => r.recovery.pixelsExact,
        format: (r) => formatPercent(r.recovery.pixelsExact),
        numeric: true,
      },
      {
        label: 'Images exact',
        value: (r) => r.recovery.imagesExact,
        format: (r) => formatPercent(r.recovery.imagesExact),
        numeric: true,
      },
      {
        label: 'Mean abs. error',
        value: (r) => r.recovery.meanAbsoluteError,
        format: (r) => r.recovery.meanAbsoluteError.toFixed(2),
        numeric: true,
      },
    ],
  });
}

function renderResult(result: SecurityAttacksResult): HTMLElement[] {
  const summary = attackSummary(result);
  return [
    el('p', {
      class: 'muted',
      attrs: { 'data-testid': 'attack-sample' },
      text: `${result.description} · key ${result.keyFingerprint} · ${result.condition} (${CONDITION_LABELS[result.condition]}) · ${result.size}×${result.size} · measured in ${seconds(result.ms)}`,
    }),
    el(
      'div',
      { class: 'stat-row', attrs: { 'data-testid': 'attack-summary' } },
      stat(
        'Permutations the key can select',
        summary.keyspace.value,
        summary.keyspace.note,
        'attack-keyspace',
      ),
      stat('Known plaintext, SL2 search', summary.sl2.value, summary.sl2.note, 'attack-kp-sl2'),
      stat(
        'Known plaintext, any permutation',
        summary.general.value,
        summary.general.note,
        'attack-kp-general',
      ),
      stat('Ciphertext only', summary.ciphertextOnly.value, summary.ciphertextOnly.note, 'attack-co'),
    ),
    knownPlaintextTable(result),
    ciphertextOnlyTable(result),
    el(
      'figure',
      { class: 'attack-grid', attrs: { 'data-testid': 'attack-grid' } },
      el('img', {
        class: 'attack-grid-image',
        attrs: {
          src: result.grid,
          alt: 'Originals, ciphertexts and images recovered by the ciphertext-only attack',
        },
      }),
      el('figcaption', {
        text: 'DEMONSTRATION on this sample: the first images, their ciphertexts, and what the ciphertext-only attack recovered from the ciphertexts alone (no key).',
      }),
    ),
  ];
}

/**
 * The Attacks panel: the committed attacks run on demand on a sample of images of the active key (a back-end job),
 * with their measured numbers and the recovered-image grid.
 */
export function attacksPanel(context: AppContext): HTMLElement {
  let source: Source = 'workspace';
  let condition: PermutingCondition = DEFAULT_CONDITION_NAME;
  const progress = el('div');
  const output = el('div', { attrs: { 'data-testid': 'attack-output' } });
  replaceChildren(
    output,
    emptyState(
      'No attack run yet',
      'Choose a sample and run the attacks: they see only ciphertexts (or known pairs), and are scored against the key.',
    ),
  );
  const run = button(
    'Run the attacks',
    () =>
      void (async () => {
        run.disabled = true;
        try {
          const job = await startJob(context.api, 'security-attacks', 'Running the attacks', () =>
            context.api.securityAttacks({ source, condition }),
          );
          replaceChildren(progress, job.element);
          replaceChildren(output, ...renderResult(await job.result));
        } catch (error) {
          reportJobEnd(error, 'The attack demonstration');
        } finally {
          run.disabled = false;
        }
      })(),
    { class: 'btn btn-primary', testId: 'attack-run' },
  );
  return panel(
    'Attacks, measured on your key',
    [
      el(
        'div',
        { class: 'toolbar' },
        field(
          'Images',
          select<Source>(SOURCES, source, (value) => (source = value), 'attack-source'),
        ),
        field(
          'Condition attacked',
          select<PermutingCondition>(
            PERMUTING_CONDITION_NAMES.map((value) => ({ value, label: CONDITION_LABELS[value] })),
            condition,
            (value) => (condition = value),
            'attack-condition',
          ),
          'the stored images use the default; others re-encrypt the same images',
        ),
        run,
      ),
      progress,
      output,
    ],
    {
      testId: 'attacks-panel',
      subtitle:
        'Runs the known-plaintext, ciphertext-only and key-space attacks of docs/security.md on a sample of images of the active key, and scores them against the key. The recovered images are a demonstration on that sample.',
    },
  );
}
