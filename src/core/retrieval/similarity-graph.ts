// The same maintained ONNX protobuf build the key transform uses (src/core/inference/key-transform.ts).
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

/**
 * ONNX models built in memory for the similarity kernels, so cosine scores run through ONNX Runtime's
 * optimised GEMM (MLAS: cache-blocked, SIMD, multi-threaded) rather than scalar JavaScript loops.
 *
 * - `scores`: inputs "queries" float32 [m, d] and "items" float32 [n, d] → "scores" = queries · itemsᵀ [m, n].
 * - `top-k`:  the same plus input "k" int64 [1] → "values" float32 [m, k] and "indices" int64 [m, k], sorted by
 *   descending score; equal scores keep the lower item index first (ONNX TopK, opset 11+).
 */
export type SimilarityGraphKind = 'scores' | 'top-k';

const { onnx } = onnxProto;
const OPSET = 17;
const IR_VERSION = 8;

type Dimension = number | string;

function valueInfo(name: string, elementType: number, dims: Dimension[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elementType,
        shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

export function buildSimilarityModel(kind: SimilarityGraphKind): Uint8Array {
  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const nodes: OnnxTypes.INodeProto[] = [
    {
      input: ['queries', 'items'],
      output: ['scores'],
      name: 'cosine',
      opType: 'Gemm',
      attribute: [{ name: 'transB', i: 1, type: onnx.AttributeProto.AttributeType.INT }],
    },
  ];
  if (kind === 'top-k') {
    nodes.push({ input: ['scores', 'k'], output: ['values', 'indices'], name: 'best', opType: 'TopK' });
  }
  const inputs = [
    valueInfo('queries', FLOAT, ['queries', 'dim']),
    valueInfo('items', FLOAT, ['items', 'dim']),
  ];
  const outputs =
    kind === 'top-k'
      ? [valueInfo('values', FLOAT, ['queries', 'k']), valueInfo('indices', INT64, ['queries', 'k'])]
      : [valueInfo('scores', FLOAT, ['queries', 'items'])];
  if (kind === 'top-k') inputs.push(valueInfo('k', INT64, [1]));
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'cipherlens-retrieval',
    graph: { node: nodes, name: `similarity-${kind}`, input: inputs, output: outputs },
    opsetImport: [{ domain: '', version: OPSET }],
  });
  return onnx.ModelProto.encode(model).finish();
}
