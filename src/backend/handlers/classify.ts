import { oodVerdict } from '../../core/inference/ood.js';
import { topClasses } from '../../core/inference/softmax.js';
import type { BackendContext } from '../context.js';
import { runInfo } from '../run-info.js';
import { pngDataUrl } from '../images.js';
import { inferItems, splitByKey } from '../item-inference.js';
import { originOf } from '../item-origin.js';
import { resolveImage } from '../sources.js';
import type { HandlerGroup } from './types.js';

export function classifyHandlers(context: BackendContext): HandlerGroup<'classifyImage' | 'classifyBatch'> {
  return {
    async classifyImage(request) {
      const engine = await context.engine();
      const { card } = engine;
      const image = await resolveImage(context, request.source, request.conversion, card.inputSize);
      const input = engine.encrypt([image.pixels]);
      const started = performance.now();
      const outputs = await engine.infer(input);
      const elapsedMs = performance.now() - started;
      const predictions = topClasses(outputs.probabilities, card.classes, 0, request.topK).map((c) => ({
        label: c.label,
        probability: c.probability,
      }));
      if (image.id !== null) {
        const best = predictions[0]!;
        await context.workspace.update(image.id, {
          prediction: { label: best.label, probability: best.probability, modelId: card.id },
        });
      }
      return {
        predictions,
        trueLabel: image.label,
        modelInput: await pngDataUrl(input, card.inputSize),
        conversion: image.conversion,
        run: runInfo(engine, elapsedMs),
        outOfDistribution: oodVerdict(card.ood, outputs, 0),
      };
    },
    async classifyBatch(request) {
      const engine = await context.engine();
      const jobId = context.jobs.start('classify-batch', async (job) => {
        const { card } = engine;
        const chosen =
          request.ids?.map((id) => context.workspace.require(id)) ??
          context.workspace
            .list()
            .filter((item) => request.label === undefined || item.label === request.label);
        const { usable, skipped } = splitByKey(context, chosen);
        job.progress(0, usable.length, `classifying ${usable.length} images with ${card.id}`);
        const started = performance.now();
        const outputs = await inferItems(context, engine, usable, {
          signal: job.signal,
          onProgress: (done, total) => job.progress(done, total, `classified ${done} of ${total}`),
        });
        const elapsedMs = performance.now() - started;
        let labelled = 0;
        let correct = 0;
        const results = [];
        for (const [row, record] of usable.entries()) {
          const predictions = topClasses(outputs.probabilities, card.classes, row, request.topK).map((c) => ({
            label: c.label,
            probability: c.probability,
          }));
          const best = predictions[0]!;
          if (record.label !== null) {
            labelled++;
            if (record.label === best.label) correct++;
          }
          await context.workspace.update(record.id, {
            prediction: { label: best.label, probability: best.probability, modelId: card.id },
          });
          results.push({
            id: record.id,
            name: record.name,
            source: record.source,
            origin: originOf(record),
            trueLabel: record.label,
            predictions,
            outOfDistribution: oodVerdict(card.ood, outputs, row),
            probabilities: Array.from(
              outputs.probabilities.subarray(row * card.classes.length, (row + 1) * card.classes.length),
            ),
          });
        }
        return {
          results,
          accuracy: labelled === 0 ? null : correct / labelled,
          classes: [...card.classes],
          skipped,
          run: runInfo(engine, elapsedMs),
        };
      });
      return { jobId };
    },
  };
}
