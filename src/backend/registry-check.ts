import type { CONDITION_REGISTRY, Condition, DEFAULT_CONDITION } from '../core/crypto/condition.js';
import type { ARCHITECTURE_REGISTRY, Architecture } from '../core/training/architectures.js';
import type {
  CONDITION_LABELS,
  ConditionName,
  DEFAULT_CONDITION_NAME,
  PERMUTING_CONDITION_NAMES,
} from '../shared/common.js';
import type { TrainArchitectureSchema } from '../shared/user-models.js';
import type { z } from 'zod';

/*
 * Compile-time checks that the shared contract's copies of the registries (src/shared imports nothing but zod)
 * are exactly core's: `tsc` fails here when a condition, its label or the default changes on one side only. The
 * registry order, which types cannot see, is checked in test/backend/registry-check.test.ts.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/** Core's conditions whose registry entry names a permutation kernel. */
type CorePermuting = {
  [C in Condition]: (typeof CONDITION_REGISTRY)[C]['permutation'] extends null ? never : C;
}[Condition];

type CoreConditionLabels = {
  readonly [C in Condition]: (typeof CONDITION_REGISTRY)[C]['label'];
};

export type RegistryChecks = [
  Assert<Equal<ConditionName, Condition>>,
  Assert<Equal<CoreConditionLabels, typeof CONDITION_LABELS>>,
  Assert<Equal<typeof DEFAULT_CONDITION_NAME, typeof DEFAULT_CONDITION>>,
  Assert<Equal<(typeof PERMUTING_CONDITION_NAMES)[number], CorePermuting>>,
  // The app trains a subset of the architectures; each must be one of core's.
  Assert<[z.infer<typeof TrainArchitectureSchema>] extends [Architecture] ? true : false>,
  Assert<Equal<keyof typeof ARCHITECTURE_REGISTRY, Architecture>>,
];
