import {
  CONDITION_REGISTRY,
  DEFAULT_CONDITION,
  STUDY_CONDITIONS,
  type Condition,
} from '../crypto/condition.js';
import { comparePaired, holmSignificant, type PairedComparison } from '../evaluation/paired-test.js';
import {
  STUDY_ARCHITECTURES,
  TRANSFORMED_STUDY_ARCHITECTURES,
  configurationHash,
  type StudyArchitecture,
  type StudyBudget,
  type StudyDataset,
} from './configurations.js';
import { decodeTestOutcomes, sameTestImages } from './outcomes.js';
import type { StudyResult } from './results.js';

/** The stored result of one cell of a budget's grid, if it has finished. */
export type Lookup = (
  dataset: StudyDataset,
  architecture: StudyArchitecture,
  condition: Condition,
  derivation?: 'key-transform',
) => StudyResult | undefined;

const lookupKey = (d: string, a: string, c: string, derivation: string | undefined): string =>
  `${d}|${a}|${c}|${derivation ?? 'trained'}`;

/** Only results of one budget count: another budget's result is a different experiment. */
export function lookupFor(results: StudyResult[], budget: StudyBudget): Lookup {
  const byKey = new Map<string, StudyResult>();
  for (const r of results) {
    if (configurationHash({ ...r.configuration, budget }) !== r.hash) continue;
    const c = r.configuration;
    const key = lookupKey(c.dataset, c.architecture, c.condition, c.derivation);
    const previous = byKey.get(key);
    if (!previous || previous.createdAt < r.createdAt) byKey.set(key, r);
  }
  return (d, a, c, derivation) => byKey.get(lookupKey(d, a, c, derivation));
}

/** One comparison of a dataset's table: B against A, on the same test images. */
export interface PairedTest {
  architecture: StudyArchitecture;
  /** What A and B are, in words ("plain", "arnold+xor, plain model key-transformed"). */
  a: string;
  b: string;
  resultA: StudyResult | undefined;
  resultB: StudyResult | undefined;
  /** McNemar's exact test and whether it survives Holm's correction over the table; or why there is none. */
  outcome:
    | (PairedComparison & { significant: boolean })
    | 'missing'
    | 'no per-image outcomes'
    | 'different test images';
}

/** The comparisons a table makes: each condition against plain, a stronger permutation against Arnold's. */
function comparisons(
  dataset: StudyDataset,
  lookup: Lookup,
  conditions: readonly Condition[],
): Omit<PairedTest, 'outcome'>[] {
  const pairs: Omit<PairedTest, 'outcome'>[] = [];
  const transformed = `${DEFAULT_CONDITION}, plain model key-transformed`;
  for (const architecture of STUDY_ARCHITECTURES) {
    const plain = lookup(dataset, architecture, 'plain');
    for (const c of conditions.filter((c) => c !== 'plain')) {
      pairs.push({
        architecture,
        a: 'plain',
        b: c,
        resultA: plain,
        resultB: lookup(dataset, architecture, c),
      });
    }
    for (const extra of conditions.filter((c) => !STUDY_CONDITIONS.includes(c))) {
      const baseline = CONDITION_REGISTRY[extra].xor ? DEFAULT_CONDITION : 'arnold';
      pairs.push({
        architecture,
        a: baseline,
        b: extra,
        resultA: lookup(dataset, architecture, baseline),
        resultB: lookup(dataset, architecture, extra),
      });
    }
    if (TRANSFORMED_STUDY_ARCHITECTURES.includes(architecture)) {
      const rewritten = lookup(dataset, architecture, DEFAULT_CONDITION, 'key-transform');
      // The transform is exact when the rewritten model gets every cipher image right that its source gets
      // right on the plain image: 0 / 0.
      pairs.push({ architecture, a: 'plain', b: transformed, resultA: plain, resultB: rewritten });
      pairs.push({
        architecture,
        a: `${DEFAULT_CONDITION}, trained`,
        b: transformed,
        resultA: lookup(dataset, architecture, DEFAULT_CONDITION),
        resultB: rewritten,
      });
    }
  }
  return pairs;
}

/**
 * McNemar's exact test for each comparison of one dataset's table, on the per-image test outcomes both results
 * keep, with Holm's correction over the comparisons that could be made: which gaps the test split resolves.
 */
export function pairedTests(
  dataset: StudyDataset,
  lookup: Lookup,
  conditions: readonly Condition[],
): PairedTest[] {
  const tested = comparisons(dataset, lookup, conditions).map((pair) => {
    const { resultA: a, resultB: b } = pair;
    if (!a || !b) return { pair, outcome: 'missing' as const };
    if (!a.testOutcomes || !b.testOutcomes) return { pair, outcome: 'no per-image outcomes' as const };
    if (!sameTestImages(a.testOutcomes, b.testOutcomes))
      return { pair, outcome: 'different test images' as const };
    return {
      pair,
      outcome: comparePaired(decodeTestOutcomes(a.testOutcomes), decodeTestOutcomes(b.testOutcomes)),
    };
  });
  const done = tested.flatMap((t) => (typeof t.outcome === 'string' ? [] : [t.outcome]));
  const significant = holmSignificant(done.map((o) => o.p));
  let next = 0;
  return tested.map(({ pair, outcome }) => ({
    ...pair,
    outcome: typeof outcome === 'string' ? outcome : { ...outcome, significant: significant[next++]! },
  }));
}

export type PairedVerdict = 'significant' | 'not resolved' | 'identical outcomes';

/** A tested comparison in words: resolved by the split, not resolved, or not a single image apart. */
export const verdictOf = (outcome: PairedComparison & { significant: boolean }): PairedVerdict =>
  outcome.significant
    ? 'significant'
    : outcome.onlyA + outcome.onlyB === 0
      ? 'identical outcomes'
      : 'not resolved';

/** How many comparisons of a table were tested (Holm's correction counts these). */
export const testedCount = (tests: readonly PairedTest[]): number =>
  tests.filter((t) => typeof t.outcome !== 'string').length;

/** "1.2e-60" below 10⁻⁴, "< 1e-300" where the tail underflows, else four decimals. */
export const formatP = (p: number): string =>
  p < 1e-300 ? '< 1e-300' : p < 0.0001 ? p.toExponential(1) : p.toFixed(4);
