import { z } from 'zod';
import { ConditionSchema, DEFAULT_CONDITION_NAME, FingerprintSchema, PngDataUrlSchema } from './common.js';

/**
 * The Security view's Attacks panel: the committed attacks (src/core/attacks) run on demand on a sample of images
 * of the active key — the workspace's own, or a built-in dataset sample encrypted with that key — and measured
 * against the truth. The recovered images are a demonstration on that sample.
 */
export const AttackSampleSourceSchema = z.enum(['workspace', 'mnist', 'mednist']);

export const SecurityAttacksRequestSchema = z.strictObject({
  source: AttackSampleSourceSchema.default('workspace'),
  /** A permuting condition (the attacks recover a permutation); the stored images' condition by default. */
  condition: ConditionSchema.default(DEFAULT_CONDITION_NAME),
  /** Images to attack: the ciphertext-only attack sees up to this many, the known-plaintext attack up to 64 pairs. */
  count: z.number().int().min(4).max(1000).default(1000),
});

const FractionSchema = z.number().min(0).max(1);
const RecoverySchema = z.strictObject({
  pixelsExact: FractionSchema,
  imagesExact: FractionSchema,
  meanAbsoluteError: z.number().min(0),
});

export const AttackKnownPlaintextRowSchema = z.strictObject({
  method: z.enum(['arnold-sl2', 'permutation-li2008']),
  known: z.number().int().min(1),
  ms: z.number().min(0),
  consistent: z.number().int().min(0).nullable(),
  uniquePositions: z.number().int().min(0).nullable(),
  gatherCorrect: FractionSchema,
  keystreamCorrect: FractionSchema,
  /** Null when the method recovered no key material (the SL2 search against a non-Arnold permutation). */
  targets: RecoverySchema.nullable(),
});

export const AttackCiphertextOnlyRowSchema = z.strictObject({
  ciphertexts: z.number().int().min(1),
  ms: z.number().min(0),
  keystreamCorrect: FractionSchema,
  gatherCorrect: FractionSchema,
  permutation: z.enum(['exact', 'rotation', 'wrong']),
  recovery: RecoverySchema,
});

const KNeededSchema = z.strictObject({
  'arnold-sl2': z.number().int().nullable(),
  'permutation-li2008': z.number().int().nullable(),
});

export const SecurityAttacksResultSchema = z.strictObject({
  source: AttackSampleSourceSchema,
  /** Where the images came from, in words. */
  description: z.string(),
  keyFingerprint: FingerprintSchema,
  condition: ConditionSchema,
  /** The condition's permutation: its name, and whether it lies in SL2(Z/N) (the Arnold-specific attacks apply). */
  permutation: z.strictObject({ label: z.string(), inSl2: z.boolean() }),
  size: z.number().int().min(2),
  images: z.number().int().min(1),
  reference: z.number().int().min(0),
  keyspace: z.strictObject({
    sl2Order: z.number().int().min(1),
    reachablePermutations: z.number().int().min(1),
    reachableBits: z.number(),
    uniformPermutationBits: z.number(),
    uniformReachableBits: z.number(),
    sl2SearchSeconds: z.number().min(0),
    uniformSearchLog10Years: z.number(),
  }),
  knownPlaintext: z.strictObject({
    targets: z.number().int().min(1),
    rows: z.array(AttackKnownPlaintextRowSchema),
    kNeeded: KNeededSchema,
    kAllTargetsExact: KNeededSchema,
  }),
  ciphertextOnly: z.strictObject({ rows: z.array(AttackCiphertextOnlyRowSchema) }),
  /** Originals, ciphertexts and the ciphertext-only recoveries, one row each (a demonstration on this sample). */
  grid: PngDataUrlSchema,
  ms: z.number().min(0),
});
export type SecurityAttacksResult = z.infer<typeof SecurityAttacksResultSchema>;
