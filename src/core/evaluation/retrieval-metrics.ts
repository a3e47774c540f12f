import { availableParallelism } from 'node:os';
import { CipherLensError, type ErrorCode } from '../errors.js';
import { startModuleWorker } from '../workers/worker-thread.js';
import { SimilarityKernels, type SimilarityKernel } from '../retrieval/similarity-kernel.js';
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
  /** Worker threads (default: one per core, up to 4, for evaluations of ≥ 2·10⁷ query–item pairs; else 1). */
  workers?: number;
}

const PR_LEVELS = 11;
/** Score matrices are computed for a block of queries at a time: at most this many float32 values (64 MiB). */
const SCORE_BLOCK_VALUES = 16 * 1024 * 1024;

/** Mutable per-run buffers, sized once for the database. */
interface ScoringBuffers {
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
  work: ScoringBuffers,
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

function createScoringBuffers(dbCount: number): ScoringBuffers {
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
    createScoringBuffers(scores.length),
    result,
  );
  return {
    ap: result.ap,
    apAtK: [...result.apAtK],
    precisionAtK: [...result.precisionAtK],
    interpolatedPrecision: [...result.interpolated],
  };
}

/** One worker's share: a range of (normalised) queries against the whole (normalised) database. Cloneable. */
export interface RetrievalJob {
  queries: Float32Array;
  queryLabels: Int32Array;
  /** Index of this job's first query among all queries (its own database index under leave-one-out). */
  firstQuery: number;
  database: Float32Array;
  databaseLabels: Int32Array;
  leaveOneOut: boolean;
  dim: number;
  classCount: number;
  ks: number[];
  threads: number | undefined;
  queryBlock: number | undefined;
}

/** Sums over a job's queries; jobs add up. */
export interface RetrievalSums {
  scored: number;
  withoutRelevant: number;
  ap: number;
  apAtK: number[];
  precisionAtK: number[];
  interpolated: number[];
  perClassAp: number[];
  perClassQueries: number[];
}

function emptySums(kCount: number, classCount: number): RetrievalSums {
  return {
    scored: 0,
    withoutRelevant: 0,
    ap: 0,
    apAtK: new Array<number>(kCount).fill(0),
    precisionAtK: new Array<number>(kCount).fill(0),
    interpolated: new Array<number>(PR_LEVELS).fill(0),
    perClassAp: new Array<number>(classCount).fill(0),
    perClassQueries: new Array<number>(classCount).fill(0),
  };
}

export function addSums(total: RetrievalSums, part: RetrievalSums): RetrievalSums {
  const add = (a: number[], b: number[]): number[] => a.map((value, i) => value + b[i]!);
  return {
    scored: total.scored + part.scored,
    withoutRelevant: total.withoutRelevant + part.withoutRelevant,
    ap: total.ap + part.ap,
    apAtK: add(total.apAtK, part.apAtK),
    precisionAtK: add(total.precisionAtK, part.precisionAtK),
    interpolated: add(total.interpolated, part.interpolated),
    perClassAp: add(total.perClassAp, part.perClassAp),
    perClassQueries: add(total.perClassQueries, part.perClassQueries),
  };
}

/** Scores a job's queries block by block (one GEMM per block) on this thread; `onProgress` gets queries done. */
export async function runRetrievalJob(
  job: RetrievalJob,
  onProgress?: (done: number) => void,
): Promise<RetrievalSums> {
  const { ks, databaseLabels } = job;
  const dbCount = databaseLabels.length;
  const perClassCount = new Array<number>(job.classCount).fill(0);
  for (const label of databaseLabels) perClassCount[label]!++;
  const work = createScoringBuffers(dbCount);
  const result = createQueryResult(ks.length);
  const sums = emptySums(ks.length, job.classCount);
  // The run owns its kernel: opened here, released when the job ends (a few ms against seconds of scoring).
  const kernels = new SimilarityKernels();
  try {
    return await scoreJobQueries(job, await kernels.get(job.threads), {
      perClassCount,
      work,
      result,
      sums,
      onProgress,
    });
  } finally {
    await kernels.release();
  }
}

async function scoreJobQueries(
  job: RetrievalJob,
  kernel: SimilarityKernel,
  state: {
    perClassCount: number[];
    work: ScoringBuffers;
    result: QueryResult;
    sums: RetrievalSums;
    onProgress: ((done: number) => void) | undefined;
  },
): Promise<RetrievalSums> {
  const { dim, ks, leaveOneOut, databaseLabels } = job;
  const { perClassCount, work, result, sums, onProgress } = state;
  const queryCount = job.queryLabels.length;
  const dbCount = databaseLabels.length;
  const block = job.queryBlock ?? Math.max(1, Math.min(1024, Math.floor(SCORE_BLOCK_VALUES / dbCount)));
  const dbMatrix = { data: job.database, rows: dbCount, dim };
  for (let first = 0; first < queryCount; first += block) {
    const rows = Math.min(block, queryCount - first);
    const scores = await kernel.scores(
      { data: job.queries.subarray(first * dim, (first + rows) * dim), rows, dim },
      dbMatrix,
    );
    for (let row = 0; row < rows; row++) {
      const label = job.queryLabels[first + row]!;
      const self = leaveOneOut ? job.firstQuery + first + row : -1;
      const relevantCount = perClassCount[label]! - (leaveOneOut ? 1 : 0);
      if (relevantCount <= 0) {
        sums.withoutRelevant++;
        continue;
      }
      scoreQuery(
        scores.subarray(row * dbCount, (row + 1) * dbCount),
        databaseLabels,
        label,
        self,
        relevantCount,
        ks,
        work,
        result,
      );
      sums.scored++;
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
    onProgress?.(first + rows);
  }
  return sums;
}

/** Runs a job in a worker thread (its own ONNX Runtime session and ranking buffers). */
function runJobInWorker(job: RetrievalJob, onProgress: (done: number) => void): Promise<RetrievalSums> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(import.meta.url, 'retrieval-worker');
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
      void worker.terminate();
    };
    worker.on('message', (message: RetrievalWorkerReply) => {
      if (message.type === 'progress') onProgress(message.done);
      else if (message.type === 'done') finish(() => resolve(message.sums));
      else finish(() => reject(new CipherLensError(message.code as ErrorCode, message.message)));
    });
    worker.on('error', (error) =>
      finish(() =>
        reject(
          new CipherLensError('INTERNAL', `retrieval worker failed: ${error.message}`, { cause: error }),
        ),
      ),
    );
    worker.on('exit', (code) =>
      finish(() => reject(new CipherLensError('INTERNAL', `retrieval worker exited (code ${code})`))),
    );
    worker.postMessage(job);
  });
}

export type RetrievalWorkerReply =
  | { type: 'progress'; done: number }
  | { type: 'done'; sums: RetrievalSums }
  | { type: 'error'; code: string; message: string };

/** Below this many query × item pairs, starting workers costs more than it saves. */
const PARALLEL_PAIRS = 20_000_000;

/**
 * Ranks every query against the database. With `database` null the queries are their own database,
 * leave-one-out: each query is removed from its own ranking. Large evaluations are split over worker threads
 * (`workers`, default: the cores available), each with its own GEMM and ranking.
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
  if (dbCount > MAX_RANKED_ITEMS) {
    throw new CipherLensError(
      'BAD_INPUT',
      `retrieval evaluation ranks at most ${MAX_RANKED_ITEMS} items, got ${dbCount}`,
    );
  }
  const classCount = classes.length;
  const checkLabels = (labels: ArrayLike<number>, what: string): Int32Array => {
    const out = Int32Array.from(labels);
    for (const label of out) {
      if (!(label >= 0 && label < classCount))
        throw new CipherLensError('BAD_INPUT', `${what} label ${label} is not a class`);
    }
    return out;
  };
  const databaseLabels = checkLabels(db.labels, 'database');
  const queryLabels = leaveOneOut ? databaseLabels : checkLabels(queries.labels, 'query');
  const queryVectors = normalizeRows(queries.vectors, queryCount, dim);
  const dbVectors = leaveOneOut ? queryVectors : normalizeRows(db.vectors, dbCount, dim);
  if (options.queryBlock !== undefined && (!Number.isInteger(options.queryBlock) || options.queryBlock < 1)) {
    throw new CipherLensError('BAD_INPUT', `query block must be ≥ 1, got ${options.queryBlock}`);
  }

  const cores = availableParallelism();
  const workers = Math.max(
    1,
    Math.min(
      queryCount,
      options.workers ?? (queryCount * dbCount >= PARALLEL_PAIRS ? Math.min(cores, 4) : 1),
    ),
  );
  const threads = options.threads ?? Math.max(1, Math.floor(cores / workers));
  const jobs: RetrievalJob[] = [];
  for (let w = 0; w < workers; w++) {
    const from = Math.floor((w * queryCount) / workers);
    const to = Math.floor(((w + 1) * queryCount) / workers);
    jobs.push({
      queries: queryVectors.subarray(from * dim, to * dim),
      queryLabels: queryLabels.subarray(from, to),
      firstQuery: from,
      database: dbVectors,
      databaseLabels,
      leaveOneOut,
      dim,
      classCount,
      ks,
      threads,
      queryBlock: options.queryBlock,
    });
  }
  const done = new Array<number>(workers).fill(0);
  const report = (w: number) => (count: number) => {
    done[w] = count;
    options.onProgress?.(
      done.reduce((sum, d) => sum + d, 0),
      queryCount,
    );
  };
  const parts =
    workers === 1
      ? [await runRetrievalJob(jobs[0]!, report(0))]
      : await Promise.all(jobs.map((job, w) => runJobInWorker(job, report(w))));
  const sums = parts.reduce(addSums, emptySums(ks.length, classCount));

  const mean = (sum: number): number => (sums.scored > 0 ? sum / sums.scored : 0);
  return {
    protocol: leaveOneOut ? 'leave-one-out' : 'query-vs-database',
    queries: queryCount,
    database: leaveOneOut ? dbCount - 1 : dbCount,
    queriesWithoutRelevant: sums.withoutRelevant,
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
