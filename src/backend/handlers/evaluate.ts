import { randomBytes } from 'node:crypto';
import { argmaxRows, classificationMetrics } from '../../core/evaluation/classification-metrics.js';
import { evaluateRetrieval } from '../../core/evaluation/retrieval-metrics.js';
import { CipherLensError } from '../../core/errors.js';
import type { ItemRecord } from '../../core/workspace/item-record.js';
import type { EvaluationReport } from '../../shared/analysis.js';
import type { BackendContext } from '../context.js';
import { runInfo } from '../run-info.js';
import { evaluationProvenance } from '../evaluation-provenance.js';
import { readEvaluation, writeEvaluation } from '../evaluation-store.js';
import { inferItems, splitByKey } from '../item-inference.js';
import { readStudyConfig, readStudyTable } from '../study-results.js';
import type { HandlerGroup } from './types.js';

const RETRIEVAL_KS = [1, 5, 10];

export function evaluateHandlers(
  context: BackendContext,
): HandlerGroup<'evaluateRun' | 'evaluateGet' | 'evaluateCell' | 'evaluateAblation' | 'evaluateStudyConfig'> {
  return {
    async evaluateRun(request) {
      const engine = await context.engine();
      const jobId = context.jobs.start('evaluate', async (job) => {
        const { card } = engine;
        const chosen = request.ids?.map((id) => context.workspace.require(id)) ?? context.workspace.list();
        const { usable, skipped } = splitByKey(context, chosen);
        const labelled = usable.filter((item) => item.label !== null && card.classes.includes(item.label));
        const evaluated = new Set(labelled.map((item) => item.id));
        // Counted and named in the report, never dropped silently.
        const leftOut: { record: ItemRecord; reason: 'unlabelled' | 'other-classes' | 'other-key' }[] = [
          ...usable
            .filter((item) => !evaluated.has(item.id))
            .map((record) => ({
              record,
              reason: record.label === null ? ('unlabelled' as const) : ('other-classes' as const),
            })),
          ...skipped.map(({ id }) => ({
            record: context.workspace.require(id),
            reason: 'other-key' as const,
          })),
        ];
        if (labelled.length === 0) {
          throw new CipherLensError(
            'BAD_INPUT',
            `no image to evaluate: none is labelled with one of ${card.id}'s classes (${card.classes.join(', ')}) and encrypted with the active key. Import a labelled sample (e.g. the ${card.dataset} test split) first`,
          );
        }
        job.progress(0, labelled.length, `evaluating ${card.id} on ${labelled.length} labelled images`);
        const started = performance.now();
        const outputs = await inferItems(context, engine, labelled, {
          signal: job.signal,
          onProgress: (done, total) => job.progress(done, total, `ran the model on ${done} of ${total}`),
        });
        const truth = Int32Array.from(labelled, (item) => card.classes.indexOf(item.label!));
        const metrics = classificationMetrics(truth, outputs.probabilities, card.classes);
        job.progress(labelled.length, labelled.length, 'ranking every image against the others');
        const retrieval =
          labelled.length < 2
            ? null
            : await evaluateRetrieval(
                { vectors: outputs.embeddings, labels: truth },
                null,
                outputs.embeddingDim,
                card.classes,
                { ks: RETRIEVAL_KS },
              );
        const report: EvaluationReport = {
          id: randomBytes(6).toString('hex'),
          createdAt: new Date().toISOString(),
          modelId: card.id,
          keyFingerprint: context.activeKey().fingerprint,
          itemCount: labelled.length,
          classification: {
            labels: [...card.classes],
            matrix: metrics.confusionMatrix,
            accuracy: metrics.accuracy,
            macroF1: metrics.macro.f1,
            weightedF1: metrics.weighted.f1,
            perClass: metrics.perClass.map((c) => ({
              label: c.label,
              precision: c.precision,
              recall: c.recall,
              f1: c.f1,
              support: c.support,
            })),
          },
          retrieval: retrieval && {
            protocol: 'leave-one-out',
            queries: retrieval.queries,
            queriesWithoutRelevant: retrieval.queriesWithoutRelevant,
            mAP: retrieval.mAP,
            precisionAtK: retrieval.precisionAtK,
            mAPAtK: retrieval.mAPAtK,
            prCurve: retrieval.prCurve,
            perClass: retrieval.perClass,
          },
          run: runInfo(engine, performance.now() - started),
          provenance: evaluationProvenance(labelled, leftOut, card),
        };
        const predicted = argmaxRows(outputs.probabilities, card.classes.length);
        const assignments = labelled.map((item, row) => ({
          id: item.id,
          actual: item.label!,
          predicted: card.classes[predicted[row]!]!,
        }));
        await writeEvaluation(context.workspace, { report, assignments });
        return report;
      });
      return { jobId };
    },
    async evaluateGet() {
      return { report: (await readEvaluation(context.workspace))?.report ?? null };
    },
    async evaluateCell(request) {
      const stored = await readEvaluation(context.workspace);
      if (!stored) throw new CipherLensError('NOT_FOUND', 'no evaluation yet: run one first');
      const ids = stored.assignments
        .filter((a) => a.actual === request.actual && a.predicted === request.predicted)
        .map((a) => a.id)
        .filter((id) => context.workspace.get(id) !== undefined);
      return { ids };
    },
    async evaluateAblation() {
      return readStudyTable(context.options.studyResultsDir);
    },
    async evaluateStudyConfig(request) {
      return readStudyConfig(context.options.studyResultsDir, request.id);
    },
  };
}
