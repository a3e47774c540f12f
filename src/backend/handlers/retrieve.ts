import type { BackendContext } from '../context.js';
import { runInfo } from '../run-info.js';
import { thumbnailsOf } from '../library-items.js';
import { pngDataUrl } from '../images.js';
import { indexStatus, refreshIndex } from '../retrieval-index.js';
import { resolveImage } from '../sources.js';
import type { HandlerGroup } from './types.js';

export function retrieveHandlers(
  context: BackendContext,
): HandlerGroup<'retrieveIndexStatus' | 'retrieveBuildIndex' | 'retrieveQuery'> {
  return {
    async retrieveIndexStatus() {
      const model = await context.activeModelOrNull();
      if (!model || !context.activeKeyOrNull())
        return { modelId: model?.card.id ?? null, engine: null, indexed: 0, missing: 0, dimension: null };
      const engine = await context.engine();
      const status = await indexStatus(context, engine);
      return {
        modelId: engine.card.id,
        engine: status.store.engine,
        indexed: status.indexed,
        missing: status.missing.length,
        dimension: status.store.description.dimension,
      };
    },
    async retrieveBuildIndex() {
      const engine = await context.engine();
      const jobId = context.jobs.start('index-build', async (job) => {
        job.progress(0, 0, 'finding images to embed');
        const store = await refreshIndex(context, engine, {
          signal: job.signal,
          onProgress: (done, total) => job.progress(done, total, `embedded ${done} of ${total}`),
        });
        return {
          modelId: engine.card.id,
          engine: store.engine,
          indexed: await store.count(),
          missing: 0,
          dimension: store.description.dimension,
        };
      });
      return { jobId };
    },
    async retrieveQuery(request) {
      const engine = await context.engine();
      const { card } = engine;
      const store = request.refreshIndex
        ? await refreshIndex(context, engine)
        : (await indexStatus(context, engine)).store;
      const image = await resolveImage(context, request.source, request.conversion, card.inputSize);
      const input = engine.encrypt([image.pixels]);
      const started = performance.now();
      const embedding = (await engine.infer(input)).embeddings;
      // A shared (pgvector) index also holds other workstations' images, which this one cannot show.
      const hits = await store.search(embedding, {
        k: request.k,
        ...(image.id !== null && { excludeIds: [image.id] }),
        ...(store.engine.kind === 'pgvector' && { filter: { sources: [context.retrieval.source] } }),
      });
      const elapsedMs = performance.now() - started;
      const results = [];
      for (const hit of hits) {
        const record = context.workspace.get(hit.id);
        if (!record) continue;
        const relevant = image.label === null || record.label === null ? null : image.label === record.label;
        results.push({
          rank: results.length + 1,
          id: hit.id,
          score: hit.score,
          label: record.label,
          relevant,
          thumbnails: (await thumbnailsOf(context, record)).thumbnails,
        });
      }
      const judged = results.filter((r) => r.relevant !== null);
      return {
        query: {
          label: image.label,
          id: image.id,
          plain: await pngDataUrl(image.pixels, card.inputSize),
          encrypted: await pngDataUrl(input, card.inputSize),
        },
        results,
        precisionAtK:
          image.label === null || results.length === 0
            ? null
            : judged.filter((r) => r.relevant).length / results.length,
        indexSize: await store.count(),
        engine: store.engine,
        run: runInfo(engine, elapsedMs),
      };
    },
  };
}
