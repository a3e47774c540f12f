/**
 * Orders one query's score row by descending score (equal scores by ascending database index), keeping only
 * the head that can change a metric: every item down to the lowest-scoring relevant one (ties included), or
 * everything when that leaves fewer than `minimum` items. Items below are dropped before sorting.
 *
 * The sort is an LSD radix sort on a 32-bit key that orders float32 scores exactly — O(n) whatever the score
 * distribution, and stable, so items enter in index order and equal scores stay in index order. Keys are
 * taken relative to the best one, so cosine scores (which span a narrow range) need two 12-bit passes, not
 * three. Each key carries a payload of (index · 2 + relevance).
 */
export const MAX_RANKED_ITEMS = 2 ** 30;
const MAX_DIGIT_BITS = 12;

/** IEEE-754 bits of a float32 → an unsigned key that falls as the score rises (−0 and +0 share one key). */
export function descendingScoreKey(raw: number): number {
  const bits = raw === 0x80000000 ? 0 : raw;
  return bits >= 0x80000000 ? bits : 0x7fffffff - bits;
}

const scratchBits = new Uint32Array(1);
const scratchFloat = new Float32Array(scratchBits.buffer);

export class PartialRanking {
  private keys: Uint32Array;
  private payload: Int32Array;
  private spareKeys: Uint32Array;
  private sparePayload: Int32Array;
  private base = 0;
  private passes = 1;
  private digitBits = 1;
  private readonly descending: Uint32Array;
  private readonly histograms = [0, 1, 2].map(() => new Int32Array(1 << MAX_DIGIT_BITS));

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_RANKED_ITEMS) {
      throw new RangeError(`a ranking holds 1 to ${MAX_RANKED_ITEMS} items, not ${capacity}`);
    }
    this.keys = new Uint32Array(capacity);
    this.payload = new Int32Array(capacity);
    this.spareKeys = new Uint32Array(capacity);
    this.sparePayload = new Int32Array(capacity);
    this.descending = new Uint32Array(capacity);
  }

  isRelevant(position: number): boolean {
    return (this.payload[position]! & 1) === 1;
  }

  /** Whether the items at two positions have exactly the same score. */
  sameScore(a: number, b: number): boolean {
    return this.keys[a] === this.keys[b];
  }

  /** The score of the item at a position (exactly the float32 it had). */
  scoreAt(position: number): number {
    const key = this.keys[position]! + this.base;
    scratchBits[0] = key >= 0x80000000 ? key : 0x7fffffff - key;
    return scratchFloat[0]!;
  }

  /** The database index of the item at a position. */
  indexAt(position: number): number {
    return this.payload[position]! >>> 1;
  }

  /**
   * Ranks `scores` (item `skip` left out, −1 for none); relevant items are those with `labels[i] === label`.
   * Returns how many leading positions are ranked.
   */
  rank(scores: Float32Array, labels: Int32Array, label: number, skip: number, minimum: number): number {
    const n = scores.length;
    if (n > this.descending.length)
      throw new RangeError(`${n} scores exceed the ranking's capacity ${this.descending.length}`);
    const raw = new Uint32Array(scores.buffer, scores.byteOffset, n);
    const descending = this.descending;
    let cutoff = -1;
    let best = 0xffffffff;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const key = descendingScoreKey(raw[i]!);
      descending[i] = key;
      if (i === skip) continue;
      if (key < best) best = key;
      if (key > worst) worst = key;
      if (key > cutoff && labels[i] === label) cutoff = key;
    }
    const available = skip >= 0 && skip < n ? n - 1 : n;
    if (available === 0) return 0;
    this.base = best;
    let count = this.gather(labels, label, skip, cutoff);
    if (count < Math.min(minimum, available)) {
      cutoff = worst;
      count = this.gather(labels, label, skip, cutoff);
    }
    this.sort(count);
    return count;
  }

  /**
   * Copies the items whose key is ≤ `cutoff` (index order) into keys/payload, relative to `base`, and counts
   * their radix digits: as few digits of ≤ 12 bits as the key range base…cutoff needs.
   */
  private gather(labels: Int32Array, label: number, skip: number, cutoff: number): number {
    const range = Math.max(0, cutoff - this.base);
    const bits = Math.max(1, 32 - Math.clz32(range));
    this.passes = Math.ceil(bits / MAX_DIGIT_BITS);
    this.digitBits = Math.ceil(bits / this.passes);
    const size = 1 << this.digitBits;
    const mask = size - 1;
    const shift1 = this.digitBits;
    const shift2 = 2 * this.digitBits;
    const [h0, h1, h2] = this.histograms.map((h) => h.subarray(0, size).fill(0)) as [
      Int32Array,
      Int32Array,
      Int32Array,
    ];
    const descending = this.descending;
    const keys = this.keys;
    const payload = this.payload;
    const base = this.base;
    const n = labels.length;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const key = descending[i]!;
      if (key > cutoff || i === skip) continue;
      const relative = key - base;
      keys[count] = relative;
      payload[count] = (i << 1) | (labels[i] === label ? 1 : 0);
      h0[relative & mask]!++;
      h1[(relative >>> shift1) & mask]!++;
      h2[(relative >>> shift2) & mask]!++;
      count++;
    }
    return count;
  }

  /** Stable LSD radix passes over the gathered keys, with the digit counts `gather` made. */
  private sort(count: number): void {
    if (count < 2) return;
    const size = 1 << this.digitBits;
    const mask = size - 1;
    for (let d = 0; d < this.passes; d++) {
      const shift = d * this.digitBits;
      const histogram = this.histograms[d]!;
      // A digit every key shares moves nothing.
      if (histogram[(this.keys[0]! >>> shift) & mask] === count) continue;
      let total = 0;
      for (let b = 0; b < size; b++) {
        const inBucket = histogram[b]!;
        histogram[b] = total;
        total += inBucket;
      }
      const fromKeys = this.keys;
      const fromPayload = this.payload;
      const toKeys = this.spareKeys;
      const toPayload = this.sparePayload;
      for (let i = 0; i < count; i++) {
        const key = fromKeys[i]!;
        const position = histogram[(key >>> shift) & mask]!++;
        toKeys[position] = key;
        toPayload[position] = fromPayload[i]!;
      }
      this.keys = toKeys;
      this.payload = toPayload;
      this.spareKeys = fromKeys;
      this.sparePayload = fromPayload;
    }
  }
}
