import { createHash } from 'node:crypto';
// onnx-proto is CommonJS (protobufjs static code of onnx.proto): its namespace comes through the default export.
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { cipherTables, createImageCipher } from '../crypto/cipher.js';
import { DEFAULT_CONDITION } from '../crypto/condition.js';
import type { CipherKey } from '../crypto/keys.js';
import { CipherLensError } from '../errors.js';
import { parseModelCard, TRANSFORM_SCHEME, type ModelCard } from './model-card.js';

/** Cipher-domain models derived here read the default condition, the one the workspace stores images in. */
export const TRANSFORM_CONDITION = DEFAULT_CONDITION;
const BITS = 8;
const { onnx } = onnxProto;

export interface TransformedModel {
  card: ModelCard;
  /** The derived ONNX graph. Key material (with the public plain model it reveals the permutation and the
   *  keystream bits): keep it in memory only. */
  onnx: Uint8Array;
}

/** Id of the model derived from `plainId` for the key with this fingerprint. */
export function transformedModelId(plainId: string, fingerprint: string): string {
  return `${plainId}-for-${fingerprint}`;
}

/** The plain id and key fingerprint inside a transformed model's id; null for any other id. */
export function parseTransformedModelId(id: string): { plainId: string; fingerprint: string } | null {
  const match = /^(.+)-for-([0-9a-f]{16})$/.exec(id);
  return match ? { plainId: match[1]!, fingerprint: match[2]! } : null;
}

export function isTransformable(card: ModelCard): boolean {
  return card.transformable?.scheme === TRANSFORM_SCHEME;
}

/**
 * A plain bit-plane model → the model that computes the same function on images encrypted under `key`
 * (Arnold + XOR): `transformed(encrypt_key(x)) = plain(x)` up to float summation order.
 *
 * Cipher pixel i holds plain pixel gather[i] with its bits flipped where keystream[i] has a 1. The first layer
 * has its own weights for every pixel and sees each bit as ±1, so cipher position i takes plain pixel gather[i]'s
 * weights and bias, with the weights of the flipped bits negated; the next layer reads the per-pixel features by
 * position, so its input columns move the same way.
 */
export function transformModel(plainModel: Uint8Array, card: ModelCard, key: CipherKey): TransformedModel {
  const spec = card.transformable;
  if (!spec || card.condition !== 'plain') {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${card.id} is not transformable: only plain bit-plane models whose card declares "transformable" ` +
        `(scheme ${TRANSFORM_SCHEME}) can be turned into a model for a key; a model trained on ${card.condition} ` +
        `images${card.keyFingerprint ? ` for key ${card.keyFingerprint}` : ''} cannot`,
    );
  }
  const digest = sha256(plainModel);
  if (digest !== card.onnx.sha256) {
    throw new CipherLensError(
      'INTEGRITY',
      `model bytes do not match card ${card.id} (sha256 ${digest.slice(0, 12)}…, card says ${card.onnx.sha256.slice(0, 12)}…)`,
    );
  }
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(plainModel);
  } catch (error) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `model ${card.id} is not a readable ONNX file: ${(error as Error).message}`,
    );
  }
  const graph = model.graph;
  if (!graph) throw new CipherLensError('BAD_FORMAT', `model ${card.id} has no graph`);

  const pixels = card.inputSize * card.inputSize;
  const weight = floatInitializer(graph, spec.pixelWeight, card.id);
  const bias = floatInitializer(graph, spec.pixelBias, card.id);
  const next = floatInitializer(graph, spec.nextWeight, card.id);
  const features = weight.dims[2] ?? 0;
  expectDims(weight, [pixels, BITS, features], card.id);
  expectDims(bias, [pixels, features], card.id);
  const hidden = next.dims[0] ?? 0;
  expectDims(next, [hidden, pixels * features], card.id);
  checkGemmReadsColumns(graph, spec.nextWeight, card.id);

  const { gather, keystream } = cipherTables(key, TRANSFORM_CONDITION, card.inputSize);
  if (!gather || !keystream) throw new CipherLensError('INTERNAL', 'arnold+xor must permute and XOR');

  const newWeight = new Float32Array(weight.values.length);
  const newBias = new Float32Array(bias.values.length);
  const row = BITS * features;
  for (let i = 0; i < pixels; i++) {
    const source = gather[i]!;
    const mask = keystream[i]!;
    for (let b = 0; b < BITS; b++) {
      const sign = (mask >> b) & 1 ? -1 : 1;
      for (let f = 0; f < features; f++) {
        newWeight[i * row + b * features + f] = sign * weight.values[source * row + b * features + f]!;
      }
    }
    for (let f = 0; f < features; f++) newBias[i * features + f] = bias.values[source * features + f]!;
  }
  // Input column j = i·F + f of the next layer reads plain column gather[i]·F + f.
  const columns = pixels * features;
  const sourceColumn = new Int32Array(columns);
  for (let i = 0; i < pixels; i++)
    for (let f = 0; f < features; f++) sourceColumn[i * features + f] = gather[i]! * features + f;
  const newNext = new Float32Array(next.values.length);
  const oldNext = next.values;
  for (let h = 0; h < hidden; h++) {
    const row = oldNext.subarray(h * columns, (h + 1) * columns);
    const base = h * columns;
    for (let j = 0; j < columns; j++) newNext[base + j] = row[sourceColumn[j]!]!;
  }
  weight.tensor.rawData = bytesOf(newWeight);
  bias.tensor.rawData = bytesOf(newBias);
  next.tensor.rawData = bytesOf(newNext);

  const bytes = onnx.ModelProto.encode(model).finish();
  const cipher = createImageCipher(key, TRANSFORM_CONDITION, card.inputSize);
  const derived = parseModelCard(
    {
      ...card,
      id: transformedModelId(card.id, key.fingerprint),
      condition: TRANSFORM_CONDITION,
      keyFingerprint: key.fingerprint,
      arnoldParametersId: cipher.parametersId,
      transformable: undefined,
      transformedFrom: { model: card.id, scheme: spec.scheme, keyFingerprint: key.fingerprint },
      onnx: { ...card.onnx, file: `${card.onnx.file} (transformed in memory)`, sha256: sha256(bytes) },
    },
    `transformed card for ${card.id}`,
  );
  return { card: derived, onnx: bytes };
}

interface FloatTensor {
  tensor: OnnxTypes.ITensorProto;
  dims: number[];
  values: Float32Array;
}

function floatInitializer(graph: OnnxTypes.IGraphProto, name: string, modelId: string): FloatTensor {
  const tensor = graph.initializer?.find((candidate) => candidate.name === name);
  if (!tensor) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `model ${modelId}: its card names initializer "${name}", the graph has none`,
    );
  }
  if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) {
    throw new CipherLensError('BAD_FORMAT', `model ${modelId}: initializer "${name}" is not float32`);
  }
  const dims = (tensor.dims ?? []).map((dim) => Number(dim));
  const count = dims.reduce((product, dim) => product * dim, 1);
  let values: Float32Array;
  if (tensor.rawData && tensor.rawData.length > 0) {
    if (tensor.rawData.length !== count * 4) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `model ${modelId}: initializer "${name}" holds the wrong number of bytes`,
      );
    }
    // Copied: raw data is little-endian and may sit at any offset in the file buffer.
    const copy = new Uint8Array(tensor.rawData);
    values = new Float32Array(copy.buffer, 0, count);
  } else if (tensor.floatData && tensor.floatData.length === count) {
    values = Float32Array.from(tensor.floatData);
    tensor.floatData = [];
  } else {
    throw new CipherLensError('BAD_FORMAT', `model ${modelId}: initializer "${name}" has no data`);
  }
  return { tensor, dims, values };
}

function expectDims(tensor: FloatTensor, expected: number[], modelId: string): void {
  const same = tensor.dims.length === expected.length && tensor.dims.every((dim, i) => dim === expected[i]);
  if (!same || expected.some((dim) => dim < 1)) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `model ${modelId}: initializer "${tensor.tensor.name}" is [${tensor.dims.join(', ')}], the transform needs [${expected.join(', ')}]`,
    );
  }
}

/** The next layer must be a Gemm with transB = 1 (weight [out, in]), so permuting columns permutes its inputs. */
function checkGemmReadsColumns(graph: OnnxTypes.IGraphProto, weightName: string, modelId: string): void {
  const users = (graph.node ?? []).filter((node) => node.input?.includes(weightName));
  const gemm = users.length === 1 && users[0]!.opType === 'Gemm' ? users[0]! : null;
  const transB = gemm?.attribute?.find((attribute) => attribute.name === 'transB');
  if (!gemm || gemm.input?.[1] !== weightName || Number(transB?.i ?? 0) !== 1) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `model ${modelId}: "${weightName}" must be the weight of one Gemm with transB = 1 for the transform to apply`,
    );
  }
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
