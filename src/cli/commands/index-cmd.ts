import { resolve } from 'node:path';
import { defaultExportDir } from '../../core/datasets/data-dir.js';
import { CipherLensError } from '../../core/errors.js';
import { createInferenceEngine } from '../../core/inference/engine.js';
import { parseTransformedModelId } from '../../core/inference/key-transform.js';
import { resolveModelReference } from '../../core/inference/model-catalog.js';
import { loadModelInput } from '../../core/inference/model-input.js';
import { describePgUrl, pgvectorTableOf } from '../../core/retrieval/pgvector-store.js';
import {
  AUTO_ANN_FROM,
  openVectorStore,
  VECTOR_STORE_KINDS,
  type VectorStoreKindSetting,
  type VectorStoreSpec,
} from '../../core/retrieval/open-vector-store.js';
import { buildExportIndex, checkIndexMatchesModel, searchByImage } from '../../core/retrieval/model-index.js';
import type { SearchHit, VectorStore } from '../../core/retrieval/vector-store.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs } from '../crypto-options.js';
import { createProgressBar } from '../progress.js';
import {
  engineSettings,
  KEY_OPTIONS_HELP,
  keyOptions,
  loadKeyForModel,
  MODEL_OPTIONS_HELP,
  modelOptions,
  parseCount,
  parseFitOption,
  resolveModelAndKey,
  CLI_MODELS_DIRS,
  modelJson,
} from './model-options.js';

const usage = `Usage:
  cipherlens index build --dataset mednist|mnist (--out FILE | --store pgvector --url URL) [--split train]
                         [--store auto|exact|ann|pgvector] [--export-dir DIR] [options]
  cipherlens index query <image|file.clens> (--index FILE | --store pgvector --url URL --table T) [--k 10]
  cipherlens index query --id ITEM_ID (--index FILE | --store pgvector --url URL --table T) [--k 10]
  cipherlens index info (--index FILE | --store pgvector --url URL --table T) [--json]

build  embeds one split of the encrypted tensor export (cipherlens export-dataset) with the model and stores
       the L2-normalised embeddings: in an index file (exact scan or HNSW graph; written atomically) or in a
       PostgreSQL + pgvector table shared by several workstations (docs/retrieval.md).
query  encrypts the image with the key, embeds it with the index's model and prints the k most similar
       stored images (cosine similarity), or ranks the neighbours of a stored item (--id).

${MODEL_OPTIONS_HELP}
${KEY_OPTIONS_HELP}
  --split S            build: the split to index (default train)
  --export-dir DIR     build: the export folder (default data/exports/<dataset>-<model condition>)
  --out FILE           build: where the index is written
  --index FILE         query/info: the index file
  --k N                query: number of results (default 10)
  --store KIND         auto (default: exact scan, HNSW from ${AUTO_ANN_FROM.toLocaleString('en-US')} vectors), exact, ann (HNSW, usearch)
                       or pgvector (PostgreSQL server)
  --precision P        exact: f32 | i8 (int8 scan, float32 re-rank); ann: f32 | f16 (default) | i8
  --ef N               ann / pgvector HNSW: search breadth (ann default 128, pgvector 100)
  --url URL            pgvector: postgres://user@host:5432/database (no password in it)
  --password-file F    pgvector: file with the password (default: ~/.pgpass, as libpq)
  --table NAME         pgvector: the table (default: derived from the model and key)
  --pg-search MODE     pgvector: hnsw (default) | exact
  --id ITEM_ID         query: a stored item instead of an image
  --fit MODE           query: error | resize | pad for images that are not N×N (default resize)`;

function printHits(hits: readonly SearchHit[]): void {
  for (const hit of hits) {
    process.stdout.write(
      `${String(hit.rank).padStart(4)}  ${hit.score.toFixed(4)}  ${(hit.label ?? '-').padEnd(12)} ${hit.id}\n`,
    );
  }
}

interface StoreValues {
  store?: string;
  precision?: string;
  ef?: string;
  url?: string;
  'password-file'?: string;
  table?: string;
  'pg-search'?: string;
  threads?: string;
}

function oneOf<T extends string>(
  value: string | undefined,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new CipherLensError('BAD_INPUT', `--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** The store the options name; `path` is the index file, `table` the default pgvector table. */
function storeSpec(
  values: StoreValues,
  path: string | undefined,
  table: string | undefined,
): VectorStoreSpec {
  const kind = oneOf<VectorStoreKindSetting>(values.store, 'store', VECTOR_STORE_KINDS, 'auto');
  const threads = parseCount(values.threads, 'threads', undefined, 256);
  if (kind === 'pgvector') {
    if (!values.url)
      throw new CipherLensError('BAD_INPUT', '--store pgvector needs --url postgres://user@host/db');
    const name = values.table ?? table;
    if (!name)
      throw new CipherLensError('BAD_INPUT', '--table NAME is required here (no model names the table)');
    return {
      kind,
      url: values.url,
      table: name,
      ...(values['password-file'] && { passwordFile: resolve(values['password-file']) }),
      search: oneOf(values['pg-search'], 'pg-search', ['hnsw', 'exact'] as const, 'hnsw'),
      efSearch: parseCount(values.ef, 'ef', undefined, 1000),
    };
  }
  for (const name of ['url', 'table', 'password-file', 'pg-search'] as const)
    if (values[name] !== undefined)
      throw new CipherLensError('BAD_INPUT', `--${name} is only for --store pgvector`);
  if (!path)
    throw new CipherLensError('BAD_INPUT', 'name the index file (--out for build, --index otherwise)');
  if (kind === 'exact')
    return {
      kind,
      path,
      threads,
      precision: oneOf(values.precision, 'precision', ['f32', 'i8'] as const, 'f32'),
    };
  if (kind === 'ann')
    return {
      kind,
      path,
      threads,
      precision: oneOf(values.precision, 'precision', ['f32', 'f16', 'i8'] as const, 'f16'),
      expansionSearch: parseCount(values.ef, 'ef', undefined, 4096),
    };
  if (values.precision !== undefined || values.ef !== undefined)
    throw new CipherLensError('BAD_INPUT', '--precision and --ef need --store exact or ann');
  return { kind, path, threads };
}

const engineText = (store: { engine: { kind: string; precision: string; recall: string } }): string =>
  `${store.engine.kind}, ${store.engine.precision}, ${store.engine.recall}`;

const index: CliCommand = {
  name: 'index',
  summary: 'build or query an encrypted-image retrieval index',
  usage,
  async run(argv) {
    const [action, ...rest] = argv;
    const { values, positionals } = parseCommandArgs('index', rest, {
      ...modelOptions,
      ...keyOptions,
      split: { type: 'string' },
      'export-dir': { type: 'string' },
      out: { type: 'string' },
      index: { type: 'string' },
      k: { type: 'string' },
      id: { type: 'string' },
      fit: { type: 'string' },
      store: { type: 'string' },
      precision: { type: 'string' },
      ef: { type: 'string' },
      url: { type: 'string' },
      'password-file': { type: 'string' },
      table: { type: 'string' },
      'pg-search': { type: 'string' },
    });
    const settings = engineSettings(values);

    if (action === 'build') {
      if (!values.out && values.store !== 'pgvector')
        throw new CipherLensError(
          'BAD_INPUT',
          '--out FILE is required for index build (or --store pgvector --url URL)',
        );
      const { model } = await resolveModelAndKey(values);
      const spec = storeSpec(
        values,
        values.out ? resolve(values.out) : undefined,
        pgvectorTableOf(model.card.id, model.card.keyFingerprint),
      );
      const split = values.split ?? 'train';
      const exportDir = values['export-dir']
        ? resolve(values['export-dir'])
        : defaultExportDir(model.card.dataset, model.card.condition);
      const progress = createProgressBar(`embedding ${split}`, 0);
      const started = performance.now();
      const store = await buildExportIndex({
        model,
        exportDir,
        split,
        store: spec,
        ...settings,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      const summary = {
        index: spec.kind === 'pgvector' ? `${describePgUrl(spec.url)} table ${spec.table}` : spec.path!,
        store: store.engine,
        items: await store.count(),
        ...modelJson(model.card),
        split,
        exportDir,
        seconds: (performance.now() - started) / 1000,
      };
      await store.close();
      if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else
        process.stdout.write(
          `indexed ${summary.items} ${split} images with ${summary.model} → ${summary.index} [${engineText(store)}] (${summary.seconds.toFixed(1)} s)\n`,
        );
      return 0;
    }

    if (action === 'query' || action === 'info') {
      if (!values.index && values.store !== 'pgvector')
        throw new CipherLensError(
          'BAD_INPUT',
          `--index FILE is required for index ${action} (or --store pgvector --url URL)`,
        );
      // The table is the one `index build` printed.
      const spec = storeSpec(values, values.index ? resolve(values.index) : undefined, undefined);
      const where = spec.kind === 'pgvector' ? `${describePgUrl(spec.url)} table ${spec.table}` : spec.path!;
      const store = await openVectorStore(spec);
      try {
        return await queryOrInfo(store, where);
      } finally {
        await store.close();
      }
    }
    throw new CipherLensError(
      'BAD_INPUT',
      `unknown action "${action ?? ''}": use build, query or info (see \`cipherlens index --help\`)`,
    );

    async function queryOrInfo(store: VectorStore, where: string): Promise<number> {
      if (action === 'info') {
        const info = { index: where, items: await store.count(), store: store.engine, ...store.description };
        if (values.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        else
          for (const [name, value] of Object.entries(info))
            process.stdout.write(`${name}: ${JSON.stringify(value)}\n`);
        return 0;
      }
      const k = parseCount(values.k, 'k', 10, 10_000)!;
      let hits: SearchHit[];
      let query: Record<string, unknown>;
      if (values.id) {
        if (positionals.length > 0) throw new CipherLensError('BAD_INPUT', 'give an image or --id, not both');
        hits = await store.searchById(values.id, { k });
        query = { id: values.id, label: (await store.get([values.id]))[0]?.label ?? null };
      } else {
        const [image, ...extra] = positionals;
        if (!image || extra.length > 0)
          throw new CipherLensError('BAD_INPUT', 'index query takes one image (or --id ITEM_ID)');
        const modelReference = values.model ?? store.description.modelId;
        if (!modelReference)
          throw new CipherLensError('BAD_INPUT', 'the index does not name its model: pass --model');
        const early = parseTransformedModelId(modelReference) ? await loadKeyForModel(null, values) : null;
        const model = await resolveModelReference(modelReference, CLI_MODELS_DIRS, early).catch(
          (error: unknown) => {
            if (values.model || !(error instanceof CipherLensError) || error.code !== 'NOT_FOUND')
              throw error;
            throw new CipherLensError(
              'NOT_FOUND',
              `the index was built with model ${modelReference}, which is not installed: pass --model PATH`,
            );
          },
        );
        checkIndexMatchesModel(store.description, model.card, `index ${values.index}`);
        const key = early ?? (await loadKeyForModel(model.card, values));
        const input = await loadModelInput(model.card, key, image, parseFitOption(values.fit, 'resize'));
        const engine = await createInferenceEngine({ model, key, ...settings });
        try {
          hits = await searchByImage(engine, store, input.pixels, k);
        } finally {
          await engine.close();
        }
        query = { image, ...modelJson(model.card), conversion: input.conversion, storedLabel: input.label };
      }
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ index: where, store: store.engine, query, hits }, null, 2)}\n`,
        );
      } else {
        const about = values.id
          ? `item ${values.id} (label ${String(query.label)})`
          : `${String(query.image)} (model ${String(query.model)})`;
        process.stdout.write(
          `top ${hits.length} of ${await store.count()} for ${about} [${engineText(store)}]\nrank  score   label        id\n`,
        );
        printHits(hits);
      }
      return 0;
    }
  },
};

export default index;
