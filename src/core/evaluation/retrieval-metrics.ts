import { CipherLensError } from '../errors.js';
import { similarityKernel } from '../retrieval/similarity-kernel.js';
import { normalizeRows } from '../retrieval/vectors.js';
import { MAX_RANKED_ITEMS, PartialRanking } from './ranking.js';

/**
 * Retrieval quality with relevance = same class, every query ranked against the whole database by cosine
 * similarity (definitions in docs/retrieval.md):
 * - AP over the full ranking, scikit-learn's average_precision_score: Σ over relevant items of the precision
 *   at that item's score threshold, / R. Items with equal scores form one threshold, so ties need no order.
 * - mAP: mean AP over queries that have at least one relevant item.
 * - @k (items ordered by score, equal scores by database order): precision@k = relevant in top k / k;
 *   AP@k = Σ_{i≤k} precision@i · rel_i / min(k, R); mAP@k its mean.
 * - PR curve: 11-point interpolated precision p(r) = max precision at recall ≥ r, r = 0, 0.1, …, 1,
 *   averaged over queries.
 */
export interface RetrievalMetrics {
  protocol: 'query-vs-database' | 'leave-one-out';
  queries: number;
  database: number;
  /** Queries with no relevant item (left out of every mean). */
  queriesWithoutRelevant: number;
  mAP: number;
  /** Shaped like the app's API contract (src/shared/analysis.ts). */
  precisionAtK: { k: number; value: number }[];
  mAPAtK: { k: number; value: number }[];
  prCurve: { recall: number; precision: number }[];
  perClass: { label: string; queries: number; mAP: number }[];
}

export interface RetrievalInput {
  /** [count × dim] embeddings, any scale (rows are normalised here). */
  vectors: Float32Array;
  labels: ArrayLike<number>;
}

export interface RetrievalOptions {
  ks?: readonly number[];
  threads?: number;
  onProgress?: (done: number, total: number) => void;
  /** Queries scored per GEMM (default: as many as keep the score block ≤ 64 MiB, at most 1024). */
  queryBlock?: number;
}

const PR_LEVELS = 11;
/** Score matrices are computed for a block of queries at a time: at most this many float32 values (64 MiB). */
const SCORE_BLOCK_VALUES = 16 * 1024 * 1024;

/** Mutable per-run buffers, sized once for the database. */
interface Workspace {
  ranking: PartialRanking;
  groupRecall: Float64Array;
  groupPrecision: Float64Array;
}

interface QueryResult {
  ap: number;
  apAtK: Float64Array;
  precisionAtK: Float64Array;
  interpolated: Float64Array;
}

function checkInput(input: RetrievalInput, dim: number, what: string): number {
  const count = input.labels.length;
  if (input.vectors.length !== count * dim) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${what}: ${count} labels but ${input.vectors.length / dim} vectors of ${dim}`,
    );
  }
  return count;
}

/**
 * AP and PR points of one query from its score row. `self` is the query's own database index under
 * leave-one-out (−1 otherwise); `relevantCount` excludes it.
 */
function scoreQuery(
  scores: Float32Array,
  labels: Int32Array,
  label: number,
  self: number,
  relevantCount: number,
  ks: readonly number[],
  work: Workspace,
  result: QueryResult,
): void {
  const ranking = work.ranking;
  const kMax = ks[ks.length - 1]!;
  const ranked = ranking.rank(scores, labels, label, self, kMax);
  // Walk score thresholds from the top; equal scores form one threshold. Once every relevant item has been
  // seen, nothing further changes AP.
  let sum = 0;
  let groups = 0;
  let relevantAbove = 0;
  let irrelevantAbove = 0;
  for (let p = 0; p < ranked && relevantAbove < relevantCount;) {
    let q = p;
    let groupRelevant = 0;
    do {
      if (ranking.isRelevant(q)) groupRelevant++;
      q++;
    } while (q < ranked && ranking.sameScore(q, p));
    relevantAbove += groupRelevant;
    irrelevantAbove += q - p - groupRelevant;
    if (groupRelevant > 0) {
      const precision = relevantAbove / (relevantAbove + irrelevantAbove);
      sum += groupRelevant * precision;
      work.groupRecall[groups] = relevantAbove / relevantCount;
      work.groupPrecision[groups] = precision;
      groups++;
    }
    p = q;
  }
  result.ap = sum / relevantCount;

  // 11-point interpolation: running maximum of precision from the highest recall down.
  let best = 0;
  let level = PR_LEVELS - 1;
  for (let g = groups - 1; g >= 0 && level >= 0; g--) {
    best = Math.max(best, work.groupPrecision[g]!);
    const previousRecall = g > 0 ? work.groupRecall[g - 1]! : 0;
    // Levels in (previousRecall, recall_g] first reach recall at group g.
    while (level >= 0 && level / (PR_LEVELS - 1) > previousRecall) result.interpolated[level--] = best;
  }
  while (level >= 0) result.interpolated[level--] = best;

  // @k metrics: the first k positions of the ranking (equal scores in database order).
  let hits = 0;
  let precisionSum = 0;
  let kIndex = 0;
  for (let i = 0; i < kMax; i++) {
    if (i < ranked && ranking.isRelevant(i)) {
      hits++;
      precisionSum += hits / (i + 1);
    }
    while (kIndex < ks.length && ks[kIndex] === i + 1) {
      const k = ks[kIndex]!;
      result.precisionAtK[kIndex] = hits / k;
      result.apAtK[kIndex] = precisionSum / Math.min(k, relevantCount);
      kIndex++;
    }
  }
}

function createWorkspace(dbCount: number): Workspace {
  if (dbCount > MAX_RANKED_ITEMS) {
    throw new CipherLensError(
      'BAD_INPUT',
      `retrieval evaluation ranks at most ${MAX_RANKED_ITEMS} items, got ${dbCount}`,
    );
  }
  return {
    ranking: new PartialRanking(dbCount),
    groupRecall: new Float64Array(dbCount),
    groupPrecision: new Float64Array(dbCount),
  };
}

function createQueryResult(kCount: number): QueryResult {
  return {
    ap: 0,
    apAtK: new Float64Array(kCount),
    precisionAtK: new Float64Array(kCount),
    interpolated: new Float64Array(PR_LEVELS),
  };
}

/** One query's metrics from its score row against labelled items (`self`: an index to leave out, or −1). */
export function queryMetrics(
  scores: Float32Array,
  labels: ArrayLike<number>,
  label: number,
  ks: readonly number[],
  self = -1,
): { ap: number; apAtK: number[]; precisionAtK: number[]; interpolatedPrecision: number[] } {
  let relevantCount = 0;
  for (let i = 0; i < labels.length; i++) if (i !== self && labels[i] === label) relevantCount++;
  if (relevantCount === 0)
    throw new CipherLensError('BAD_INPUT', `no item is relevant to a query of class ${label}`);
  const sorted = [...ks].sort((a, b) => a - b);
  const result = createQueryResult(sorted.length);
  scoreQuery(
    scores,
    Int32Array.from(labels),
    label,
    self,
    relevantCount,
    sorted,
    createWorkspace(scores.length),
    result,
  );
  return {
    ap: result.ap,
    apAtK: [...result.apAtK],
    precisionAtK: [...result.precisionAtK],
    interpolatedPrecision: [...result.interpolated],
  };
}

/**
 * Ranks every query against the database. With `database` omitted the queries are their own database,
 * leave-one-out: each query is removed from its own ranking.
 */
export async function evaluateRetrieval(
  queries: RetrievalInput,
  database: RetrievalInput | null,
  dim: number,
  classes: readonly string[],
  options: RetrievalOptions = {},
): Promise<RetrievalMetrics> {
  const ks = [...new Set(options.ks ?? [1, 10, 100])].sort((a, b) => a - b);
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new CipherLensError('BAD_INPUT', `k values must be positive integers, got ${ks.join(', ')}`);
  }
  const leaveOneOut = database === null;
  const queryCount = checkInput(queries, dim, 'queries');
  const db = database ?? queries;
  const dbCount = leaveOneOut ? queryCount : checkInput(db, dim, 'database');
  if (queryCount === 0 || dbCount === 0)
    throw new CipherLensError('BAD_INPUT', 'retrieval needs queries and a database');
  const queryVectors = normalizeRows(queries.vectors, queryCount, dim);
  const dbVectors = leaveOneOut ? queryVectors : normalizeRows(db.vectors, dbCount, dim);

  const classCount = classes.length;
  const dbLabels = Int32Array.from(db.labels);
  const perClassCount = new Array<number>(classCount).fill(0);
  for (let i = 0; i < dbCount; i++) {
    const label = dbLabels[i]!;
    if (!(label >= 0 && label < classCount))
      throw new CipherLensError('BAD_INPUT', `database label ${label} is not a class`);
    perClassCount[label]!++;
  }
  const work = createWorkspace(dbCount);
  const result = createQueryResult(ks.length);
  const sums = {
    ap: 0,
    apAtK: new Float64Array(ks.length),
    precisionAtK: new Float64Array(ks.length),
    interpolated: new Float64Array(PR_LEVELS),
    perClassAp: new Float64Array(classCount),
    perClassQueries: new Array<number>(classCount).fill(0),
  };
  let scored = 0;
  let withoutRelevant = 0;

  const kernel = await similarityKernel(options.threads);
  const block = options.queryBlock ?? Math.max(1, Math.min(1024, Math.floor(SCORE_BLOCK_VALUES / dbCount)));
  if (!Number.isInteger(block) || block < 1)
    throw new CipherLensError('BAD_INPUT', `query block must be ≥ 1, got ${block}`);
  const dbMatrix = { data: dbVectors, rows: dbCount, dim };
  for (let first = 0; first < queryCount; first += block) {
    const rows = Math.min(block, queryCount - first);
    const scores = await kernel.scores(
      { data: queryVectors.subarray(first * dim, (first + rows) * dim), rows, dim },
      dbMatrix,
    );
    for (let row = 0; row < rows; row++) {
      const q = first + row;
      const label = queries.labels[q]!;
      if (!(label >= 0 && label < classCount))
        throw new CipherLensError('BAD_INPUT', `query label ${label} is not a class`);
      const self = leaveOneOut ? q : -1;
      const relevantCount = perClassCount[label]! - (leaveOneOut ? 1 : 0);
      if (relevantCount <= 0) {
        withoutRelevant++;
        continue;
      }
      scoreQuery(
        scores.subarray(row * dbCount, (row + 1) * dbCount),
        dbLabels,
        label,
        self,
        relevantCount,
        ks,
        work,
        result,
      );
      scored++;
      sums.ap += result.ap;
      sums.perClassAp[label] = sums.perClassAp[label]! + result.ap;
      sums.perClassQueries[label]!++;
      for (let i = 0; i < ks.length; i++) {
        sums.apAtK[i] = sums.apAtK[i]! + result.apAtK[i]!;
        sums.precisionAtK[i] = sums.precisionAtK[i]! + result.precisionAtK[i]!;
      }
      for (let i = 0; i < PR_LEVELS; i++)
        sums.interpolated[i] = sums.interpolated[i]! + result.interpolated[i]!;
    }
    options.onProgress?.(first + rows, queryCount);
  }

  const mean = (sum: number): number => (scored > 0 ? sum / scored : 0);
  return {
    protocol: leaveOneOut ? 'leave-one-out' : 'query-vs-database',
    queries: queryCount,
    database: leaveOneOut ? dbCount - 1 : dbCount,
    queriesWithoutRelevant: withoutRelevant,
    mAP: mean(sums.ap),
    precisionAtK: ks.map((k, i) => ({ k, value: mean(sums.precisionAtK[i]!) })),
    mAPAtK: ks.map((k, i) => ({ k, value: mean(sums.apAtK[i]!) })),
    prCurve: Array.from({ length: PR_LEVELS }, (_, i) => ({
      recall: i / (PR_LEVELS - 1),
      precision: mean(sums.interpolated[i]!),
    })),
    perClass: classes.map((label, c) => ({
      label,
      queries: sums.perClassQueries[c]!,
      mAP: sums.perClassQueries[c]! > 0 ? sums.perClassAp[c]! / sums.perClassQueries[c]! : 0,
    })),
  };
}
