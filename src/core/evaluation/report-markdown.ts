import type { ClassificationMetrics } from './classification-metrics.js';
import type { ModelEvaluation } from './evaluate-model.js';
import type { RetrievalMetrics } from './retrieval-metrics.js';

/** Markdown for people; the JSON evaluation is the record. Numbers use 4 decimals like the paper. */
export const formatMetric = (value: number): string => value.toFixed(4);

function table(header: string[], rows: (string | number)[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

export function classificationMarkdown(metrics: ClassificationMetrics): string[] {
  const lines = [
    `Accuracy ${formatMetric(metrics.accuracy)} · weighted F1 ${formatMetric(metrics.weighted.f1)} · macro F1 ${formatMetric(metrics.macro.f1)} · ${metrics.count} images`,
    '',
    ...table(
      ['class', 'precision', 'recall', 'F1', 'support'],
      [
        ...metrics.perClass.map((c) => [
          c.label,
          formatMetric(c.precision),
          formatMetric(c.recall),
          formatMetric(c.f1),
          c.support,
        ]),
        [
          'macro avg',
          formatMetric(metrics.macro.precision),
          formatMetric(metrics.macro.recall),
          formatMetric(metrics.macro.f1),
          metrics.count,
        ],
        [
          'weighted avg',
          formatMetric(metrics.weighted.precision),
          formatMetric(metrics.weighted.recall),
          formatMetric(metrics.weighted.f1),
          metrics.count,
        ],
      ],
    ),
    '',
    `Top-k accuracy: ${metrics.topK.map((t) => `top-${t.k} ${formatMetric(t.accuracy)}`).join(', ')}`,
    '',
    'Confusion matrix (rows: true class, columns: predicted):',
    '',
    ...table(
      ['true \\ predicted', ...metrics.classes],
      metrics.confusionMatrix.map((row, i) => [metrics.classes[i]!, ...row]),
    ),
  ];
  return lines;
}

export function retrievalMarkdown(title: string, metrics: RetrievalMetrics): string[] {
  const ks = metrics.mAPAtK.map((m) => m.k);
  return [
    `**${title}** — ${metrics.queries} queries against ${metrics.database} items${metrics.queriesWithoutRelevant ? ` (${metrics.queriesWithoutRelevant} queries without a relevant item left out)` : ''}`,
    '',
    ...table(
      ['mAP', ...ks.map((k) => `mAP@${k}`), ...ks.map((k) => `P@${k}`)],
      [
        [
          formatMetric(metrics.mAP),
          ...metrics.mAPAtK.map((m) => formatMetric(m.value)),
          ...metrics.precisionAtK.map((p) => formatMetric(p.value)),
        ],
      ],
    ),
    '',
    `11-point interpolated precision at recall 0, 0.1, …, 1: ${metrics.prCurve.map((p) => p.precision.toFixed(3)).join(', ')}`,
    '',
    `Per-class mAP: ${metrics.perClass.map((c) => `${c.label} ${formatMetric(c.mAP)}`).join(', ')}`,
  ];
}

export function evaluationMarkdown(evaluation: ModelEvaluation): string {
  const { model, data, run } = evaluation;
  const lines = [
    `# Evaluation of ${model.id}`,
    '',
    `Model: ${model.architecture}, ${model.dataset}, condition ${model.condition}, key ${model.keyFingerprint ?? 'none'}, ${model.inputSize}×${model.inputSize}, ONNX sha256 ${model.onnxSha256.slice(0, 16)}…`,
    `Data: ${data.dataset} export (${data.condition}, split seed ${data.splitSeed}); classification and queries on ${data.split} (${data.queries}), retrieval database ${data.databaseSplit} (${data.database}).`,
    `Run: ${run.provider} provider, ${run.threads} threads; inference ${run.seconds.inference.toFixed(1)} s (${run.imagesPerSecond.toFixed(0)} images/s), retrieval ${run.seconds.retrievalVsDatabase.toFixed(2)} s + ${run.seconds.retrievalLeaveOneOut.toFixed(2)} s; ${evaluation.createdAt}.`,
    '',
    '## Classification',
    '',
    ...classificationMarkdown(evaluation.classification),
    '',
    '## Retrieval (relevance = same class, cosine similarity of 512-d embeddings)',
    '',
    ...retrievalMarkdown(
      `${data.split} queries vs ${data.databaseSplit} database`,
      evaluation.retrieval.queryVsDatabase,
    ),
    '',
    ...retrievalMarkdown(`${data.split} vs ${data.split}, leave-one-out`, evaluation.retrieval.leaveOneOut),
    '',
  ];
  return lines.join('\n');
}
