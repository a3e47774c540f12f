/**
 * Bounded top-k selection over one row of scores: a min-heap of the k best seen so far, so a row of n
 * scores costs O(n + k log k) and allocates nothing (the caller owns the buffers). "Better" means a higher
 * score, or an equal score at a lower index — the same order as a stable descending sort.
 */
export class TopKSelector {
  readonly capacity: number;
  private readonly heapScores: Float32Array;
  private readonly heapIndices: Int32Array;
  private size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`top-k capacity must be ≥ 1, got ${capacity}`);
    this.capacity = capacity;
    this.heapScores = new Float32Array(capacity);
    this.heapIndices = new Int32Array(capacity);
  }

  /**
   * Selects the best min(k, candidates) entries of `scores` (skipping index `skip`, −1 for none) and writes
   * them best first into `outIndices` / `outScores`; returns how many were written.
   */
  select(
    scores: Float32Array,
    k: number,
    outIndices: Int32Array,
    outScores: Float32Array,
    skip = -1,
  ): number {
    if (k > this.capacity) throw new RangeError(`k = ${k} exceeds the selector's capacity ${this.capacity}`);
    this.size = 0;
    const hs = this.heapScores;
    const hi = this.heapIndices;
    for (let i = 0; i < scores.length; i++) {
      if (i === skip) continue;
      const score = scores[i]!;
      if (this.size < k) {
        this.push(score, i);
      } else if (score > hs[0]!) {
        // Equal to the root is never better: the candidate's index is higher than everything kept.
        hs[0] = score;
        hi[0] = i;
        this.siftDown(0);
      }
    }
    const count = this.size;
    // Pop the worst first, filling the output from the back.
    for (let slot = count - 1; slot >= 0; slot--) {
      outScores[slot] = hs[0]!;
      outIndices[slot] = hi[0]!;
      this.size--;
      if (this.size > 0) {
        hs[0] = hs[this.size]!;
        hi[0] = hi[this.size]!;
        this.siftDown(0);
      }
    }
    return count;
  }

  /** True when entry a ranks below entry b (lower score, or equal score at a higher index). */
  private worse(aScore: number, aIndex: number, bScore: number, bIndex: number): boolean {
    return aScore < bScore || (aScore === bScore && aIndex > bIndex);
  }

  private push(score: number, index: number): void {
    const hs = this.heapScores;
    const hi = this.heapIndices;
    let child = this.size++;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.worse(score, index, hs[parent]!, hi[parent]!)) break;
      hs[child] = hs[parent]!;
      hi[child] = hi[parent]!;
      child = parent;
    }
    hs[child] = score;
    hi[child] = index;
  }

  private siftDown(start: number): void {
    const hs = this.heapScores;
    const hi = this.heapIndices;
    const score = hs[start]!;
    const index = hi[start]!;
    let parent = start;
    for (;;) {
      let child = 2 * parent + 1;
      if (child >= this.size) break;
      const right = child + 1;
      if (right < this.size && this.worse(hs[right]!, hi[right]!, hs[child]!, hi[child]!)) child = right;
      if (!this.worse(hs[child]!, hi[child]!, score, index)) break;
      hs[parent] = hs[child]!;
      hi[parent] = hi[child]!;
      parent = child;
    }
    hs[parent] = score;
    hi[parent] = index;
  }
}
