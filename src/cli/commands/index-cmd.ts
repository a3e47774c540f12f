import { resolve } from 'node:path';
import { defaultExportDir } from '../../core/datasets/data-dir.js';
import { CipherLensError } from '../../core/errors.js';
import { createInferenceEngine } from '../../core/inference/engine.js';
import { parseTransformedModelId } from '../../core/inference/key-transform.js';
import { resolveModelReference } from '../../core/inference/model-catalog.js';
import { loadModelInput } from '../../core/inference/model-input.js';
import { ExactCosineStore } from '../../core/retrieval/exact-cosine-store.js';
import { buildExportIndex, checkIndexMatchesModel, searchByImage } from '../../core/retrieval/model-index.js';
import type { SearchHit } from '../../core/retrieval/vector-store.js';
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
  cipherlens index build --dataset mednist|mnist --out FILE [--split train] [--export-dir DIR] [options]
  cipherlens index query <image|file.clens> --index FILE [--k 10] [options]
  cipherlens index query --id ITEM_ID --index FILE [--k 10]
  cipherlens index info --index FILE [--json]

build  embeds one split of the encrypted tensor export (cipherlens export-dataset) with the model and saves
       an exact cosine index (512-d, L2-normalised float32; written atomically).
query  encrypts the image with the key, embeds it with the index's model and prints the k most similar
       stored images (cosine similarity), or ranks the neighbours of a stored item (--id).

${MODEL_OPTIONS_HELP}
${KEY_OPTIONS_HELP}
  --split S            build: the split to index (default train)
  --export-dir DIR     build: the export folder (default data/exports/<dataset>-<model condition>)
  --out FILE           build: where the index is written
  --index FILE         query/info: the index file
  --k N                query: number of results (default 10)
  --id ITEM_ID         query: a stored item instead of an image
  --fit MODE           query: error | resize | pad for images that are not N×N (default resize)`;

function printHits(hits: readonly SearchHit[]): void {
  for (const hit of hits) {
    process.stdout.write(
      `${String(hit.rank).padStart(4)}  ${hit.score.toFixed(4)}  ${(hit.label ?? '-').padEnd(12)} ${hit.id}\n`,
    );
  }
}

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
    });
    const settings = engineSettings(values);

    if (action === 'build') {
      if (!values.out) throw new CipherLensError('BAD_INPUT', '--out FILE is required for index build');
      const { model } = await resolveModelAndKey(values);
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
        out: resolve(values.out),
        ...settings,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      const summary = {
        index: resolve(values.out),
        items: await store.size(),
        ...modelJson(model.card),
        split,
        exportDir,
        seconds: (performance.now() - started) / 1000,
      };
      if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else
        process.stdout.write(
          `indexed ${summary.items} ${split} images with ${summary.model} → ${summary.index} (${summary.seconds.toFixed(1)} s)\n`,
        );
      return 0;
    }

    if (action === 'query' || action === 'info') {
      if (!values.index)
        throw new CipherLensError('BAD_INPUT', `--index FILE is required for index ${action}`);
      const store = await ExactCosineStore.open(resolve(values.index), { threads: settings.threads });
      if (action === 'info') {
        const info = { index: resolve(values.index), items: await store.size(), ...store.description };
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
        query = { id: values.id, label: (await store.get(values.id))?.label ?? null };
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
        process.stdout.write(`${JSON.stringify({ index: resolve(values.index), query, hits }, null, 2)}\n`);
      } else {
        const about = values.id
          ? `item ${values.id} (label ${String(query.label)})`
          : `${String(query.image)} (model ${String(query.model)})`;
        process.stdout.write(
          `top ${hits.length} of ${await store.size()} for ${about}\nrank  score   label        id\n`,
        );
        printHits(hits);
      }
      return 0;
    }
    throw new CipherLensError(
      'BAD_INPUT',
      `unknown action "${action ?? ''}": use build, query or info (see \`cipherlens index --help\`)`,
    );
  },
};

export default index;
