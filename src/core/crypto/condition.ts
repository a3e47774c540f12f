import { CipherLensError } from '../errors.js';

/** The four encryption conditions of the ablation study. `arnold+xor` permutes first, then XORs. */
export const CONDITIONS = ['plain', 'arnold', 'xor', 'arnold+xor'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** Stable one-byte code used in the container format. */
export const CONDITION_CODES: Record<Condition, number> = { plain: 0, arnold: 1, xor: 2, 'arnold+xor': 3 };

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

export const usesPermutation = (c: Condition): boolean => c === 'arnold' || c === 'arnold+xor';
export const usesKeystream = (c: Condition): boolean => c === 'xor' || c === 'arnold+xor';
