import { CipherLensError } from '../errors.js';
import { PERMUTATIONS, type PermutationKind, type PermutationName } from './permutations.js';

/**
 * The one registry of encryption conditions. Everything else derives from it: the condition list and its zod
 * enums, container codes, the cipher (which permutation kernel, whether to XOR), the security notes, the study
 * grid, the UI labels (src/shared checks its copy against this at compile time) and training/registry.json for
 * the Python side (`npm run registry`). Every condition applies `cipher[i] = plain[gather[i]] ^ keystream[i]`
 * with an identity gather when it does not permute and a zero keystream when it does not XOR.
 */
export interface ConditionEntry {
  /** One-byte code in the container header; never reused. */
  readonly code: number;
  /** Label for the UI. */
  readonly label: string;
  /** The permutation kernel (PERMUTATIONS), or null. */
  readonly permutation: PermutationName | null;
  /** Whether the AES-256-CTR keystream is XORed in after the permutation. */
  readonly xor: boolean;
  /**
   * Part of the ablation study grid at every budget (study/configurations.ts, the report and scripts/results.ts).
   * The full budget's grid adds more conditions of its own (STUDY_GRID_CONDITIONS in study/configurations.ts).
   */
  readonly study: boolean;
}

export const CONDITION_REGISTRY = {
  plain: { code: 0, label: 'plain (no encryption)', permutation: null, xor: false, study: true },
  arnold: { code: 1, label: 'Arnold cat map only', permutation: 'arnold', xor: false, study: true },
  xor: { code: 2, label: 'XOR keystream only', permutation: null, xor: true, study: true },
  'arnold+xor': {
    code: 3,
    label: 'Arnold cat map + XOR (shipped)',
    permutation: 'arnold',
    xor: true,
    study: true,
  },
  uniform: {
    code: 4,
    label: 'Uniform keyed permutation only',
    permutation: 'uniform',
    xor: false,
    study: false,
  },
  'uniform+xor': {
    code: 5,
    label: 'Uniform keyed permutation + XOR',
    permutation: 'uniform',
    xor: true,
    study: false,
  },
} as const satisfies Record<string, ConditionEntry>;

export type Condition = keyof typeof CONDITION_REGISTRY;

/** Every condition, in registry order (a non-empty tuple, as zod enums need). */
export const CONDITIONS = Object.keys(CONDITION_REGISTRY) as [Condition, ...Condition[]];

/** The paper's scheme: what the app stores, the default everywhere, and the condition models are preferred for. */
export const DEFAULT_CONDITION = 'arnold+xor' satisfies Condition;

/** The conditions of the ablation study grid, in registry order. */
export const STUDY_CONDITIONS = CONDITIONS.filter((c) => CONDITION_REGISTRY[c].study);

/** Stable one-byte code used in the container format. */
export const CONDITION_CODES = Object.fromEntries(
  CONDITIONS.map((c) => [c, CONDITION_REGISTRY[c].code]),
) as Record<Condition, number>;

export const conditionEntry = (c: Condition): ConditionEntry => CONDITION_REGISTRY[c];

export function parseCondition(value: string): Condition {
  if ((CONDITIONS as readonly string[]).includes(value)) return value as Condition;
  throw new CipherLensError(
    'BAD_INPUT',
    `unknown encryption condition "${value}"; expected one of: ${CONDITIONS.join(', ')}`,
  );
}

export function conditionFromCode(code: number): Condition {
  const found = CONDITIONS.find((c) => CONDITION_CODES[c] === code);
  if (!found) throw new CipherLensError('BAD_FORMAT', `unknown condition code ${code} in container`);
  return found;
}

export const usesPermutation = (c: Condition): boolean => CONDITION_REGISTRY[c].permutation !== null;
export const usesKeystream = (c: Condition): boolean => CONDITION_REGISTRY[c].xor;

/** The permutation kernel of a condition, or null when it does not permute. */
export function permutationOf(c: Condition): PermutationKind | null {
  const name = CONDITION_REGISTRY[c].permutation;
  return name === null ? null : PERMUTATIONS[name];
}
