import { createHash } from 'node:crypto';
import { DEFAULT_CONDITION, STUDY_CONDITIONS, type Condition } from '../crypto/condition.js';
import { ARCHITECTURE_REGISTRY, ARCHITECTURES, type Architecture } from '../training/architectures.js';
import { SPEC_VERSION } from '../crypto/subkeys.js';

export const STUDY_DATASETS = ['mednist', 'mnist'] as const;
export type StudyDataset = (typeof STUDY_DATASETS)[number];
/** The study grid's architectures and conditions come from the registries (their `study` flag). */
export const STUDY_ARCHITECTURES = ARCHITECTURES.filter((a) => ARCHITECTURE_REGISTRY[a].study);
export type StudyArchitecture = Architecture;
/** Study architectures whose plain model can be rewritten for a key: each gets a key-transformed row too. */
export const TRANSFORMED_STUDY_ARCHITECTURES = STUDY_ARCHITECTURES.filter(
  (a) => ARCHITECTURE_REGISTRY[a].transformable,
);

/**
 * One fixed budget for every configuration of a study run, so the comparison is fair: a training sample, a few
 * epochs with early stopping on the validation split, fixed seeds. Evaluation always uses the FULL test split (and
 * the full train split as the retrieval database).
 */
export interface StudyBudget {
  epochs: number;
  patience: number;
  /** Stratified training subsample; null trains on the whole training split. */
  maxTrain: number | null;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * The named budgets. `quick` fits all 32 runs on a 2-core CPU in about an hour (the first study); `full` is the
 * budget worth quoting (the whole training split, up to 8 epochs, patience 2), hours on a CPU, minutes on a GPU.
 * A result is stored under the hash of its whole configuration, budget included, so the two never mix.
 */
export const STUDY_BUDGETS = {
  quick: { epochs: 2, patience: 1, maxTrain: 10_000, batchSize: 128, learningRate: 1e-3, seed: 42 },
  full: { epochs: 8, patience: 2, maxTrain: null, batchSize: 128, learningRate: 1e-3, seed: 42 },
} as const satisfies Record<string, StudyBudget>;
export type StudyBudgetName = keyof typeof STUDY_BUDGETS;
export const STUDY_BUDGET_NAMES = Object.keys(STUDY_BUDGETS) as StudyBudgetName[];
/** The budget `study run` uses unless told otherwise, and the one the report and the app lead with. */
export const DEFAULT_STUDY_BUDGET_NAME: StudyBudgetName = 'full';
export const DEFAULT_STUDY_BUDGET: StudyBudget = STUDY_BUDGETS[DEFAULT_STUDY_BUDGET_NAME];

/**
 * The conditions of each budget's grid. The full study adds the keyed uniform permutation + XOR (issue 15's
 * condition that resists the SL2 attacks): does a network still learn when the permutation is uniform rather than
 * an Arnold map? The quick study is the first one, with the paper's four conditions.
 */
export const STUDY_GRID_CONDITIONS: Record<StudyBudgetName, readonly Condition[]> = {
  quick: STUDY_CONDITIONS,
  full: [...STUDY_CONDITIONS, 'uniform+xor'],
};

/** The grid conditions of a budget (a budget that is not a named one gets the paper's four). */
export function gridConditions(budget: StudyBudget): readonly Condition[] {
  const name = budgetName(budget);
  return name ? STUDY_GRID_CONDITIONS[name] : STUDY_CONDITIONS;
}

/** The name of a stored result's budget, or null for a budget that is not one of the named ones. */
export function budgetName(budget: StudyBudget): StudyBudgetName | null {
  const same = (a: StudyBudget, b: StudyBudget): boolean =>
    a.epochs === b.epochs &&
    a.patience === b.patience &&
    a.maxTrain === b.maxTrain &&
    a.batchSize === b.batchSize &&
    a.learningRate === b.learningRate &&
    a.seed === b.seed;
  return STUDY_BUDGET_NAMES.find((name) => same(STUDY_BUDGETS[name], budget)) ?? null;
}

/** "8 epochs (patience 2), whole training split" — for tables and the CLI. */
export function describeBudget(budget: StudyBudget): string {
  const sample =
    budget.maxTrain === null
      ? 'whole training split'
      : `${budget.maxTrain.toLocaleString('en')}-image stratified training sample`;
  return `≤ ${budget.epochs} epochs (patience ${budget.patience}), ${sample}, batch ${budget.batchSize}, lr ${budget.learningRate}, seed ${budget.seed}`;
}

export interface StudyConfiguration {
  dataset: StudyDataset;
  condition: Condition;
  architecture: StudyArchitecture;
  budget: StudyBudget;
  keyFingerprint: string;
  encryptionSpecVersion: number;
  splitSeed: number;
  /**
   * Absent: the model is trained on `condition`'s images. `key-transform`: no training on cipher images at all;
   * the same dataset, architecture and budget's PLAIN model is rewritten for the study key
   * (docs/keys-and-models.md) and evaluated on `condition`'s images. Absent rather than a default value so the
   * trained configurations keep the hashes their stored results were written under.
   */
  derivation?: 'key-transform';
}

/** The plain configuration a key-transformed one is derived from (same dataset, architecture and budget). */
export function plainSourceOf(configuration: StudyConfiguration): StudyConfiguration {
  const { derivation: _derivation, ...trained } = configuration;
  return { ...trained, condition: 'plain' };
}

export function studyConfigurations(
  keyFingerprint: string,
  budget = DEFAULT_STUDY_BUDGET,
): StudyConfiguration[] {
  const configurations: StudyConfiguration[] = [];
  // MNIST first: its 28×28 runs are ~5× cheaper, so a partial study already covers one dataset completely.
  for (const dataset of ['mnist', 'mednist'] as const) {
    for (const architecture of STUDY_ARCHITECTURES) {
      for (const condition of gridConditions(budget)) {
        configurations.push({
          dataset,
          condition,
          architecture,
          budget,
          keyFingerprint,
          encryptionSpecVersion: SPEC_VERSION,
          splitSeed: 42,
        });
      }
    }
    // Architectures whose plain model can be rewritten for a key get one more row: the transformed model on
    // the condition the app stores images in (train on plain once, transform for the key).
    for (const architecture of TRANSFORMED_STUDY_ARCHITECTURES) {
      configurations.push({
        dataset,
        condition: DEFAULT_CONDITION,
        architecture,
        budget,
        keyFingerprint,
        encryptionSpecVersion: SPEC_VERSION,
        splitSeed: 42,
        derivation: 'key-transform',
      });
    }
  }
  return configurations;
}

/** Canonical JSON (sorted keys) so the hash does not depend on property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Results are stored under this hash of the FULL configuration: any change to the budget makes a new entry. */
export function configurationHash(configuration: StudyConfiguration): string {
  return createHash('sha256').update(canonical(configuration)).digest('hex').slice(0, 16);
}

export function configurationLabel(
  c: Pick<StudyConfiguration, 'dataset' | 'architecture' | 'condition' | 'derivation'>,
): string {
  const suffix = c.derivation === 'key-transform' ? '-transformed' : '';
  return `${c.dataset}-${c.architecture}-${c.condition.replace('+', 'plus')}${suffix}`;
}
