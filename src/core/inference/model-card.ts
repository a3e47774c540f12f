import { z } from 'zod';
import { CONDITIONS, usesKeystream, usesPermutation } from '../crypto/condition.js';
import { CipherLensError, isCipherLensError } from '../errors.js';
import { readRegularText } from '../fs/read.js';
import { ARCHITECTURE_REGISTRY, ARCHITECTURES, EMBEDDING_DIM } from '../training/architectures.js';
import { CENTROID_ENCODING, oodCalibrationSchema } from './ood.js';

const splitMetrics = z.looseObject({
  accuracy: z.number().min(0).max(1),
  weightedF1: z.number().min(0).max(1),
  macroF1: z.number().min(0).max(1),
});

/** The one key transform there is: per-pixel bit-plane weights gathered and sign-flipped (docs/keys-and-models.md). */
export const TRANSFORM_SCHEME = 'bitplane-v1';

const transformableSchema = z.strictObject({
  scheme: z.literal(TRANSFORM_SCHEME),
  /** Initializer [P, 8, F]: pixel p's 8 ±1 bits → F features. */
  pixelWeight: z.string().min(1),
  /** Initializer [P, F]. */
  pixelBias: z.string().min(1),
  /** Weight [H, P·F] of the Gemm (transB = 1) that reads the per-pixel features by position. */
  nextWeight: z.string().min(1),
});

/**
 * `<id>.json` beside `<id>.onnx`: what a model was trained on and for which key. Everything inference
 * depends on is required; free-form training details stay loose so the trainer can add fields.
 */
export const modelCardSchema = z
  .looseObject({
    format: z.literal('cipherlens-model'),
    version: z.literal(1),
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'ids are letters, digits, ".", "_" and "-"'),
    architecture: z.enum(ARCHITECTURES),
    dataset: z.string().min(1),
    classes: z.array(z.string().min(1)).min(2),
    inputSize: z.number().int().min(2).max(4096),
    embeddingDim: z.literal(EMBEDDING_DIM),
    condition: z.enum(CONDITIONS),
    keyFingerprint: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .nullable(),
    encryptionSpecVersion: z.literal(1),
    arnoldParametersId: z.string().min(1).nullable(),
    splitSeed: z.number().int(),
    training: z.record(z.string(), z.unknown()),
    metrics: z.looseObject({ validation: splitMetrics.optional(), test: splitMetrics.optional() }),
    onnx: z.looseObject({
      file: z.string().min(1),
      opset: z.number().int().min(13),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      maxAbsDiffVsTorch: z.number().min(0).nullable().optional(),
    }),
    /** Plain models only: the key transform that turns it into a model for any key's cipher images. */
    transformable: transformableSchema.optional(),
    /** Derived models only (never on disk): the plain model and key the transform was applied for. */
    transformedFrom: z
      .strictObject({
        model: z.string().min(1),
        scheme: z.literal(TRANSFORM_SCHEME),
        keyFingerprint: z.string().regex(/^[0-9a-f]{16}$/),
      })
      .optional(),
    /**
     * Out-of-distribution calibration (scripts/calibrate-ood.ts, docs/ood.md). A transformed model inherits its
     * plain model's: the transform leaves the function unchanged.
     */
    ood: oodCalibrationSchema.optional(),
    torchVersion: z.string().optional(),
    createdAt: z.string().min(1),
  })
  .superRefine((card, context) => {
    const encrypted = usesKeystream(card.condition) || usesPermutation(card.condition);
    if (encrypted && card.keyFingerprint === null) {
      context.addIssue({
        code: 'custom',
        path: ['keyFingerprint'],
        message: `condition "${card.condition}" needs the fingerprint of the key the model was trained with`,
      });
    }
    if (!encrypted && card.keyFingerprint !== null) {
      context.addIssue({
        code: 'custom',
        path: ['keyFingerprint'],
        message: 'a plain model has no key: use null',
      });
    }
    if (
      card.transformable &&
      (card.condition !== 'plain' || !ARCHITECTURE_REGISTRY[card.architecture].transformable)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['transformable'],
        message: 'only a plain model of a transformable architecture (bitplane-mlp) is transformable',
      });
    }
    if (card.transformedFrom && card.transformedFrom.keyFingerprint !== card.keyFingerprint) {
      context.addIssue({
        code: 'custom',
        path: ['transformedFrom'],
        message: 'a transformed model is bound to the key it was transformed for',
      });
    }
    if (card.ood?.method === 'centroid-cosine') {
      const centroids = card.ood.centroids;
      const expected = card.classes.length * card.embeddingDim;
      const got =
        centroids?.encoding === CENTROID_ENCODING ? Buffer.from(centroids.data, 'base64').length / 4 : 0;
      if (got !== expected) {
        context.addIssue({
          code: 'custom',
          path: ['ood', 'centroids'],
          message: `centroid-cosine needs ${card.classes.length} × ${card.embeddingDim} centroid values, the card holds ${got}`,
        });
      }
    }
    if (new Set(card.classes).size !== card.classes.length) {
      context.addIssue({ code: 'custom', path: ['classes'], message: 'class names must be unique' });
    }
  });

export type ModelCard = z.infer<typeof modelCardSchema>;

export function parseModelCard(value: unknown, source = 'model card'): ModelCard {
  const parsed = modelCardSchema.safeParse(value);
  if (!parsed.success) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} is not a valid CipherLens model card:\n${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** Largest model card read (a card with class centroids for the OOD check is tens of KB). */
export const MAX_CARD_BYTES = 16 * 1024 * 1024;

export async function loadModelCard(path: string): Promise<ModelCard> {
  let text: string;
  try {
    text = await readRegularText(path, MAX_CARD_BYTES, { what: `model card ${path}` });
  } catch (error) {
    if (isCipherLensError(error) && error.code !== 'INTERNAL' && error.code !== 'NOT_FOUND') throw error;
    throw new CipherLensError('NOT_FOUND', `cannot read model card ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CipherLensError('BAD_FORMAT', `model card ${path} is not JSON`);
  }
  return parseModelCard(json, `model card ${path}`);
}
