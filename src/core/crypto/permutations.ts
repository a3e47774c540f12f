import { arnoldParametersFromKey, buildArnoldPlan, type ArnoldPlan } from './arnold.js';
import { buildUniformPlan } from './uniform.js';

/** What a permuting condition applies: `cipher[i] = plain[gather[i]]`, and a keyed id of the permutation. */
export interface PermutationTables {
  gather: Int32Array;
  /** 16 hex chars, stored in clear in containers and model cards (keyed, so it reveals nothing). */
  parametersId: string;
  /** The cat map's parameters at this size; null for other kinds. */
  arnold: Pick<ArnoldPlan, 'a' | 'b' | 'period' | 'iterations'> | null;
}

export interface PermutationKind {
  /** Name in words, for notes and labels. */
  readonly label: string;
  readonly build: (masterKey: Uint8Array, size: number) => PermutationTables;
  /** Its permutations are elements of SL2(Z/N) acting on pixel coordinates, so the SL2 enumeration attacks apply. */
  readonly inSl2: boolean;
  /** How the parameters id is made (docs/encryption.md). */
  readonly parametersIdRule: string;
  /** log₂ of the number of distinct permutations the key can select at size N, if known in closed form. */
  readonly spaceNote: string;
  /** What an attacker can do against this permutation alone, for the security notes. */
  readonly weakness: string;
}

/**
 * The permutation kernels a condition can name. A new kind is one entry here plus its table builder; the cipher,
 * the container, model cards and the security notes take it from here.
 */
export const PERMUTATIONS = {
  arnold: {
    label: 'Arnold cat map',
    inSl2: true,
    build: (masterKey, size) => {
      const plan = buildArnoldPlan(arnoldParametersFromKey(masterKey), size);
      const { a, b, period, iterations } = plan;
      return { gather: plan.gather, parametersId: plan.parametersId, arnold: { a, b, period, iterations } };
    },
    parametersIdRule:
      'HMAC-SHA256(arnold sub-key, "arnold-parameters-v1:N:a:b:iterations") with the reduced a and b, first 16 hex',
    spaceNote: 'at most |SL2(Z/N)| ≈ N³ permutations (16,128 at 28×28, 196,608 at 64×64)',
    weakness:
      'the cat map is one matrix of SL2(Z/N) (≈ 2^14–2^24 candidates), so two known pairs or a smoothness search ' +
      'over ciphertexts alone enumerate it in seconds, and it has short periods',
  },
  uniform: {
    label: 'keyed uniform permutation',
    inSl2: false,
    build: (masterKey, size) => {
      const plan = buildUniformPlan(masterKey, size);
      return { gather: plan.gather, parametersId: plan.parametersId, arnold: null };
    },
    parametersIdRule: 'HMAC-SHA256(uniform-permutation sub-key, "uniform-permutation-v1:N"), first 16 hex',
    spaceNote: 'any of (N²)! permutations (log₂ ≈ 10,000 bits at 28×28)',
    weakness:
      'Fisher–Yates over AES-CTR can give any of the (N²)! permutations, so no enumeration applies, but the general ' +
      'permutation-only attack (Li et al. 2008) still recovers it from a handful of known or chosen plaintexts',
  },
} as const satisfies Record<string, PermutationKind>;

export type PermutationName = keyof typeof PERMUTATIONS;
