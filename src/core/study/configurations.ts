import { createHash } from 'node:crypto';
import { STUDY_CONDITIONS, type Condition } from '../crypto/condition.js';
import { ARCHITECTURE_REGISTRY, ARCHITECTURES, type Architecture } from '../training/architectures.js';
import { SPEC_VERSION } from '../crypto/subkeys.js';

export const STUDY_DATASETS = ['mednist', 'mnist'] as const;
export type StudyDataset = (typeof STUDY_DATASETS)[number];
/** The study grid's architectures and conditions come from the registries (their `study` flag). */
export const STUDY_ARCHITECTURES = ARCHITECTURES.filter((a) => ARCHITECTURE_REGISTRY[a].study);
export type StudyArchitecture = Architecture;

/**
 * One fixed budget for every configuration, so the comparison is fair and the whole study fits on a 2-core CPU:
 * a stratified training subsample, a few epochs with early stopping on the validation split, fixed seeds.
 * Evaluation always uses the FULL test split (and the full train split as the retrieval database).
 */
export interface StudyBudget {
  epochs: number;
  patience: number;
  maxTrain: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_STUDY_BUDGET: StudyBudget = {
  epochs: 2,
  patience: 1,
  maxTrain: 10_000,
  batchSize: 128,
  learningRate: 1e-3,
  seed: 42,
};

export interface StudyConfiguration {
  dataset: StudyDataset;
  condition: Condition;
  architecture: StudyArchitecture;
  budget: StudyBudget;
  keyFingerprint: string;
  encryptionSpecVersion: number;
  splitSeed: number;
}

export function studyConfigurations(
  keyFingerprint: string,
  budget = DEFAULT_STUDY_BUDGET,
): StudyConfiguration[] {
  const configurations: StudyConfiguration[] = [];
  // MNIST first: its 28×28 runs are ~5× cheaper, so a partial study already covers one dataset completely.
  for (const dataset of ['mnist', 'mednist'] as const) {
    for (const architecture of STUDY_ARCHITECTURES) {
      for (const condition of STUDY_CONDITIONS) {
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
  c: Pick<StudyConfiguration, 'dataset' | 'architecture' | 'condition'>,
): string {
  return `${c.dataset}-${c.architecture}-${c.condition.replace('+', 'plus')}`;
}
