/** Row-wise softmax of a [rows, columns] matrix, shifted by each row's maximum so exp never overflows. */
export function softmaxRows(
  logits: Float32Array,
  columns: number,
  out = new Float32Array(logits.length),
): Float32Array {
  for (let offset = 0; offset < logits.length; offset += columns) {
    let max = -Infinity;
    for (let j = 0; j < columns; j++) max = Math.max(max, logits[offset + j]!);
    let sum = 0;
    for (let j = 0; j < columns; j++) {
      const e = Math.exp(logits[offset + j]! - max);
      out[offset + j] = e;
      sum += e;
    }
    for (let j = 0; j < columns; j++) out[offset + j] = out[offset + j]! / sum;
  }
  return out;
}

export interface RankedClass {
  classIndex: number;
  label: string;
  probability: number;
}

/** The `top` most probable classes of row `row`, most probable first; ties keep the lower class index first. */
export function topClasses(
  probabilities: Float32Array,
  classes: readonly string[],
  row: number,
  top: number,
): RankedClass[] {
  const columns = classes.length;
  const ranked: RankedClass[] = classes.map((label, classIndex) => ({
    classIndex,
    label,
    probability: probabilities[row * columns + classIndex]!,
  }));
  ranked.sort((a, b) => b.probability - a.probability || a.classIndex - b.classIndex);
  return ranked.slice(0, Math.max(1, Math.min(top, columns)));
}
