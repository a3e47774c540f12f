import { ProtobufWriter } from './protobuf-writer.js';

/**
 * ONNX models built in memory for the similarity kernels, so cosine scores run through ONNX Runtime's
 * optimised GEMM (MLAS: cache-blocked, SIMD, multi-threaded) rather than scalar JavaScript loops.
 *
 * - `scores`: inputs "queries" float32 [m, d] and "items" float32 [n, d] → "scores" = queries · itemsᵀ [m, n].
 * - `top-k`:  the same plus input "k" int64 [1] → "values" float32 [m, k] and "indices" int64 [m, k], sorted by
 *   descending score; equal scores keep the lower item index first (ONNX TopK, opset 11+).
 */
export type SimilarityGraphKind = 'scores' | 'top-k';

const ELEMENT_FLOAT = 1;
const ELEMENT_INT64 = 7;
const ATTRIBUTE_INT = 2;
const OPSET = 17;
const IR_VERSION = 8;

type Dimension = number | string;

function valueInfo(
  writer: ProtobufWriter,
  field: number,
  name: string,
  elementType: number,
  dims: Dimension[],
): void {
  writer.message(field, (info) =>
    info.string(1, name).message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.varint(1, elementType).message(2, (shape) => {
          for (const dim of dims) {
            shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
          }
        }),
      ),
    ),
  );
}

export function buildSimilarityModel(kind: SimilarityGraphKind): Uint8Array {
  const model = new ProtobufWriter();
  model.varint(1, IR_VERSION);
  model.string(2, 'cipherlens-retrieval');
  model.message(7, (graph) => {
    graph.message(1, (node) =>
      node
        .string(1, 'queries')
        .string(1, 'items')
        .string(2, 'scores')
        .string(3, 'cosine')
        .string(4, 'Gemm')
        .message(5, (attribute) => attribute.string(1, 'transB').varint(3, 1).varint(20, ATTRIBUTE_INT)),
    );
    if (kind === 'top-k') {
      graph.message(1, (node) =>
        node
          .string(1, 'scores')
          .string(1, 'k')
          .string(2, 'values')
          .string(2, 'indices')
          .string(3, 'best')
          .string(4, 'TopK'),
      );
    }
    graph.string(2, `similarity-${kind}`);
    valueInfo(graph, 11, 'queries', ELEMENT_FLOAT, ['queries', 'dim']);
    valueInfo(graph, 11, 'items', ELEMENT_FLOAT, ['items', 'dim']);
    if (kind === 'top-k') {
      valueInfo(graph, 11, 'k', ELEMENT_INT64, [1]);
      valueInfo(graph, 12, 'values', ELEMENT_FLOAT, ['queries', 'k']);
      valueInfo(graph, 12, 'indices', ELEMENT_INT64, ['queries', 'k']);
    } else {
      valueInfo(graph, 12, 'scores', ELEMENT_FLOAT, ['queries', 'items']);
    }
  });
  model.message(8, (opset) => opset.string(1, '').varint(2, OPSET));
  return model.finish();
}
