import { createHash } from 'node:crypto';
import { CipherLensError } from '../../core/errors.js';
import type { InferenceEngine } from '../../core/inference/engine.js';
import type { Matrix } from '../../core/retrieval/projection.js';
import { ProjectionRunner } from '../../core/retrieval/projection-pool.js';
import type { ItemRecord } from '../../core/workspace/item-record.js';
import type { MapGetResponse, MapMethod, MapPoint } from '../../shared/map.js';
import type { BackendContext } from '../context.js';
import type { JobContext } from '../jobs.js';
import { indexStatus, refreshIndex } from '../retrieval-index.js';

/** The indexed embeddings of the active key's images, in id order, with the digest that names them. */
interface IndexedEmbeddings {
  version: string;
  records: ItemRecord[];
  /** Reads the vectors (n × d floats): only when a layout has to be computed, not for every request. */
  load(): Promise<Matrix>;
}

interface Layout {
  version: string;
  /** Item ids in row order of `coordinates` (n × 2). */
  ids: string[];
  coordinates: Float32Array;
  explainedVariance: number[] | null;
}

interface Entry {
  pca?: Layout;
  umap?: Layout;
  /** The last UMAP job started for this pair (running or finished). */
  jobId?: string;
}

/** Model/key pairs whose layouts are kept (a person switches between a few; each layout is n × 2 floats). */
const KEEP_ENTRIES = 8;

/**
 * The embedding maps of one back end, one entry per (workspace, model, key): the PCA layout (computed on
 * request) and the UMAP layout (computed by a job), each tagged with the index version it was computed from.
 * A layout whose version is not the index's current one is never served as current. Lives in the BackendContext,
 * so two back ends in one process (tests) never share maps.
 */
export class EmbeddingMaps {
  private readonly entries = new Map<string, Entry>();
  /** PCA and UMAP run in a worker thread: the back end keeps answering while a layout is computed. */
  private readonly layouts = new ProjectionRunner();

  close(): Promise<void> {
    this.entries.clear();
    return this.layouts.close();
  }

  private entry(context: BackendContext, modelId: string, fingerprint: string): Entry {
    const key = `${context.workspace.path}|${modelId}|${fingerprint}`;
    let entry = this.entries.get(key);
    if (entry) {
      // Most recently used last, so the oldest is dropped first.
      this.entries.delete(key);
    } else {
      entry = {};
    }
    this.entries.set(key, entry);
    while (this.entries.size > KEEP_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }

  async get(context: BackendContext, method: MapMethod): Promise<MapGetResponse> {
    const model = await context.activeModelOrNull();
    const key = context.activeKeyOrNull();
    const otherKey = context.workspace
      .list()
      .filter((item) => item.keyFingerprint !== key?.fingerprint).length;
    if (!model || !key) {
      return {
        modelId: model?.card.id ?? null,
        keyFingerprint: key?.fingerprint ?? null,
        indexVersion: null,
        method,
        points: null,
        explainedVariance: null,
        notIndexed: 0,
        otherKey,
        umap: { stale: false, jobId: null },
      };
    }
    const engine = await context.engine();
    const { missing, embeddings } = await indexedEmbeddings(context, engine);
    const entry = this.entry(context, engine.card.id, key.fingerprint);
    let layout: Layout | null = null;
    if (method === 'pca') {
      if (entry.pca?.version !== embeddings.version)
        entry.pca = await pcaLayout(this.layouts, embeddings, await embeddings.load());
      layout = entry.pca;
    } else if (entry.umap?.version === embeddings.version) {
      layout = entry.umap;
    }
    const runningJob = entry.jobId && this.running(context, entry.jobId) ? entry.jobId : null;
    return {
      modelId: engine.card.id,
      keyFingerprint: key.fingerprint,
      indexVersion: embeddings.version,
      method,
      points: layout ? pointsOf(context, engine.card.id, layout) : null,
      explainedVariance: layout?.explainedVariance ?? null,
      notIndexed: missing,
      otherKey,
      umap: {
        stale: entry.umap !== undefined && entry.umap.version !== embeddings.version,
        jobId: runningJob,
      },
    };
  }

  /**
   * Starts (or joins) the UMAP job of the active model and key: brings the index up to date with the workspace
   * (embedding what it lacks), then lays the embeddings out. A job already running for the same pair is returned
   * instead of a second one.
   */
  async build(context: BackendContext): Promise<string> {
    const engine = await context.engine();
    const key = context.activeKey();
    const entry = this.entry(context, engine.card.id, key.fingerprint);
    if (entry.jobId && this.running(context, entry.jobId)) return entry.jobId;
    const id = context.jobs.start('map-umap', async (job) => {
      const embeddings = await embedAndCollect(context, engine, job);
      if (entry.umap?.version !== embeddings.version) {
        const coordinates = await this.layouts.umap(await embeddings.load(), {
          signal: job.signal,
          onProgress: (done, total, message) => job.progress(done, total, message),
        });
        entry.umap = {
          version: embeddings.version,
          ids: embeddings.records.map((record) => record.id),
          coordinates,
          explainedVariance: null,
        };
      }
      return { modelId: engine.card.id, indexVersion: embeddings.version, points: embeddings.records.length };
    });
    entry.jobId = id;
    return id;
  }

  private running(context: BackendContext, jobId: string): boolean {
    // Finished jobs are pruned from the manager after a while: a job it no longer knows is not running.
    return context.jobs.list().some((job) => job.id === jobId && job.status === 'running');
  }
}

async function embedAndCollect(
  context: BackendContext,
  engine: InferenceEngine,
  job: JobContext,
): Promise<IndexedEmbeddings> {
  job.progress(0, 0, 'bringing the retrieval index up to date');
  await refreshIndex(context, engine, {
    signal: job.signal,
    onProgress: (done, total) => job.progress(done, total, `embedded ${done} of ${total} images`),
  });
  const { embeddings } = await indexedEmbeddings(context, engine);
  if (embeddings.records.length === 0) {
    throw new CipherLensError(
      'NOT_FOUND',
      'no images of the active key are in the workspace: import some in the Library first',
    );
  }
  return embeddings;
}

/** What the index holds for the active key's images now, and how many of them it lacks. */
async function indexedEmbeddings(
  context: BackendContext,
  engine: InferenceEngine,
): Promise<{ missing: number; embeddings: IndexedEmbeddings }> {
  const fingerprint = context.activeKey().fingerprint;
  const { store, missing } = await indexStatus(context, engine);
  const missingIds = new Set(missing.map((record) => record.id));
  const records = context.workspace
    .list()
    .filter((record) => record.keyFingerprint === fingerprint && !missingIds.has(record.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const dim = store.description.dimension;
  const digest = createHash('sha256').update(`${engine.card.id}\n${fingerprint}\n${dim}\n`);
  for (const record of records) digest.update(`${record.id}\n`);
  const load = async (): Promise<Matrix> => {
    const data = new Float32Array(records.length * dim);
    const stored = records.length === 0 ? [] : await store.get(records.map((record) => record.id));
    stored.forEach((entry, row) => {
      if (!entry) {
        throw new CipherLensError(
          'INTERNAL',
          `the index lost image ${records[row]!.id} while the map was read`,
        );
      }
      data.set(entry.vector, row * dim);
    });
    return { data, rows: records.length, cols: dim };
  };
  return {
    missing: missing.length,
    embeddings: { version: digest.digest('hex').slice(0, 16), records, load },
  };
}

async function pcaLayout(
  layouts: ProjectionRunner,
  embeddings: IndexedEmbeddings,
  matrix: Matrix,
): Promise<Layout> {
  const ids = embeddings.records.map((record) => record.id);
  if (matrix.rows === 0) {
    return { version: embeddings.version, ids, coordinates: new Float32Array(0), explainedVariance: null };
  }
  const result = await layouts.pca(matrix);
  // One-dimensional embeddings (a test model) still get a y: zero.
  const coordinates =
    result.components === 2 ? result.coordinates : interleaveWithZero(result.coordinates, ids.length);
  const share = (variance: number): number =>
    result.totalVariance > 0 ? variance / result.totalVariance : 0;
  return {
    version: embeddings.version,
    ids,
    coordinates,
    explainedVariance: [share(result.variances[0] ?? 0), share(result.variances[1] ?? 0)],
  };
}

function interleaveWithZero(x: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) out[i * 2] = x[i]!;
  return out;
}

/** Labels and predictions are read now, not cached: relabelling an image recolours it without a new layout. */
function pointsOf(context: BackendContext, modelId: string, layout: Layout): MapPoint[] {
  const points: MapPoint[] = [];
  layout.ids.forEach((id, row) => {
    const record = context.workspace.get(id);
    if (!record) return;
    const prediction = record.prediction?.modelId === modelId ? record.prediction : null;
    points.push({
      id,
      x: layout.coordinates[row * 2]!,
      y: layout.coordinates[row * 2 + 1]!,
      label: record.label,
      prediction: prediction ? { label: prediction.label, probability: prediction.probability } : null,
    });
  });
  return points;
}
