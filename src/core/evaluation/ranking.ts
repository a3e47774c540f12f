/**
 * Orders one query's score row by descending score (equal scores by ascending database index) in O(n)
 * expected time, and only the head of the ranking that can change a metric: every item down to the lowest-
 * scoring relevant one and at least the first `minimum` items. Items below both are never touched.
 *
 * Each ranked item becomes one exact integer key in a float64: (order of its float32 score, descending) · 2²¹
 * + (database index · 2 + relevance bit). Ascending keys are then descending scores, equal scores by index.
 * Keys are bucketed by score (one pass to count, one to scatter); a bucket is sorted only when it holds a
 * relevant item, because neither AP nor precision@k can see the order among irrelevant items alone.
 */
const PACKED_BITS = 21;
/** Index and relevance share 21 bits beside a 32-bit score order: 2⁵³ is the largest exact float64 integer. */
export const MAX_RANKED_ITEMS = 2 ** (PACKED_BITS - 1);
const SCORE_UNIT = 2 ** PACKED_BITS;
const INSERTION_SORT_LIMIT = 48;

export class PartialRanking {
  /** Sorted keys of the ranked head; read them with `isRelevant` and `sameScore`. */
  readonly keys: Float64Array;
  private readonly bucketOf: Int32Array;
  private readonly counts: Int32Array;
  private readonly hasRelevant: Uint8Array;
  private readonly bucketCount: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_RANKED_ITEMS) {
      throw new RangeError(`a ranking holds 1 to ${MAX_RANKED_ITEMS} items, not ${capacity}`);
    }
    this.keys = new Float64Array(capacity);
    this.bucketOf = new Int32Array(capacity);
    this.bucketCount = Math.max(16, capacity);
    this.counts = new Int32Array(this.bucketCount + 1);
    this.hasRelevant = new Uint8Array(this.bucketCount);
  }

  isRelevant(position: number): boolean {
    return this.keys[position]! % 2 === 1;
  }

  /** Whether the items at two positions have exactly the same score. */
  sameScore(a: number, b: number): boolean {
    return Math.floor(this.keys[a]! / SCORE_UNIT) === Math.floor(this.keys[b]! / SCORE_UNIT);
  }

  /** The database index of the item at a position. */
  indexAt(position: number): number {
    return Math.floor((this.keys[position]! % SCORE_UNIT) / 2);
  }

  /**
   * Ranks `scores` (item `skip` left out, −1 for none); relevant items are those with `labels[i] === label`.
   * Returns how many leading positions of `keys` are ranked: every relevant item and at least
   * min(`minimum`, items) items come first.
   */
  rank(scores: Float32Array, labels: Int32Array, label: number, skip: number, minimum: number): number {
    const n = scores.length;
    if (n > this.keys.length)
      throw new RangeError(`${n} scores exceed the ranking's capacity ${this.keys.length}`);
    const bits = new Uint32Array(scores.buffer, scores.byteOffset, n);
    let min = Infinity;
    let max = -Infinity;
    // The skipped item may widen the range a little; it is taken out of the buckets below.
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    if (!(max >= min)) return 0;
    const buckets = this.bucketCount;
    const scale = max > min ? (buckets - 1) / (max - min) : 0;
    const counts = this.counts;
    const bucketOf = this.bucketOf;
    const hasRelevant = this.hasRelevant;
    counts.fill(0);
    hasRelevant.fill(0);
    let lastRelevantBucket = -1;
    for (let i = 0; i < n; i++) {
      const bucket = ((max - scores[i]!) * scale) | 0;
      const relevant = labels[i] === label ? 1 : 0;
      if (relevant === 1) {
        hasRelevant[bucket] = 1;
        if (bucket > lastRelevantBucket && i !== skip) lastRelevantBucket = bucket;
      }
      bucketOf[i] = (bucket << 1) | relevant;
      counts[bucket + 1]!++;
    }
    if (skip >= 0 && skip < n) {
      counts[(bucketOf[skip]! >> 1) + 1]!--;
      bucketOf[skip] = -1;
    }
    // Prefix sums up to the last bucket that matters: the lowest relevant item's, or the `minimum`-th item's.
    let limit = buckets - 1;
    let total = 0;
    for (let b = 0; b < buckets; b++) {
      total += counts[b + 1]!;
      counts[b + 1] = total;
      if (b >= lastRelevantBucket && total >= minimum) {
        limit = b;
        break;
      }
    }
    const keys = this.keys;
    for (let i = 0; i < n; i++) {
      const code = bucketOf[i]!;
      const bucket = code >> 1;
      if (code < 0 || bucket > limit) continue;
      // IEEE-754 bits → an unsigned integer that grows with the score (−0 counted as +0), then reversed.
      let raw = bits[i]!;
      if (raw === 0x80000000) raw = 0;
      const ascending = raw >= 0x80000000 ? ~raw >>> 0 : raw + 0x80000000;
      keys[counts[bucket]!++] = (0xffffffff - ascending) * SCORE_UNIT + i * 2 + (code & 1);
    }
    // counts[b] now ends bucket b.
    let start = 0;
    for (let b = 0; b <= limit; b++) {
      const end = counts[b]!;
      if (hasRelevant[b] === 1 && end - start > 1) {
        if (end - start > INSERTION_SORT_LIMIT) keys.subarray(start, end).sort();
        else {
          for (let i = start + 1; i < end; i++) {
            const key = keys[i]!;
            let j = i - 1;
            while (j >= start && keys[j]! > key) {
              keys[j + 1] = keys[j]!;
              j--;
            }
            keys[j + 1] = key;
          }
        }
      }
      start = end;
    }
    return start;
  }
}
