import { resolve } from 'node:path';
import { defaultExportDir } from '../../core/datasets/data-dir.js';
import { evaluateModel, type EvaluationStage } from '../../core/evaluation/evaluate-model.js';
import { evaluationMarkdown, formatMetric } from '../../core/evaluation/report-markdown.js';
import { writeFileAtomic } from '../../core/fs/atomic.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs } from '../crypto-options.js';
import { createProgressBar, type ProgressBar } from '../progress.js';
import {
  engineSettings,
  KEY_OPTIONS_HELP,
  keyOptions,
  MODEL_OPTIONS_HELP,
  modelOptions,
  resolveModelAndKey,
} from './model-options.js';

const usage = `Usage: cipherlens evaluate --dataset mednist|mnist [--model ID|PATH] [--split test] [options]

Classification report of the model on the split, and retrieval with the split's images as queries:
against the --database-split (default train) and leave-one-out within the split (relevance = same class).
Reads the encrypted tensors of \`cipherlens export-dataset\` (data/exports/<dataset>-<condition>/), which
must have been encrypted with the model's key and condition. --key picks the model (see --model) and lets a
shipped bit-plane model be transformed for it: export with the same key
(\`cipherlens export-dataset --dataset D --condition arnold+xor --key K --out DIR\`) and pass --export-dir DIR.

${MODEL_OPTIONS_HELP}
${KEY_OPTIONS_HELP}
  --split S            classified split and retrieval queries (default test)
  --database-split S   retrieval database (default train)
  --export-dir DIR     the export folder (default data/exports/<dataset>-<model condition>)
  --markdown FILE      also write the report as Markdown
  --out FILE           also write the JSON report to a file`;

const evaluate: CliCommand = {
  name: 'evaluate',
  summary: 'classification and retrieval report of a model on an encrypted dataset export',
  usage,
  async run(argv) {
    const { values } = parseCommandArgs('evaluate', argv, {
      ...modelOptions,
      ...keyOptions,
      split: { type: 'string' },
      'database-split': { type: 'string' },
      'export-dir': { type: 'string' },
      markdown: { type: 'string' },
      out: { type: 'string' },
    });
    const { model } = await resolveModelAndKey(values);
    const exportDir = values['export-dir']
      ? resolve(values['export-dir'])
      : defaultExportDir(model.card.dataset, model.card.condition);
    const bars = new Map<EvaluationStage, ProgressBar>();
    let current: EvaluationStage | null = null;
    const evaluation = await evaluateModel({
      model,
      exportDir,
      split: values.split,
      databaseSplit: values['database-split'],
      ...engineSettings(values),
      onProgress(stage, done, total) {
        if (stage !== current) {
          if (current) bars.get(current)?.finish();
          bars.set(stage, createProgressBar(stage, total));
          current = stage;
        }
        bars.get(stage)?.update(done, total);
      },
    });
    if (current) bars.get(current)?.finish();

    const markdown = evaluationMarkdown(evaluation);
    if (values.markdown) await writeFileAtomic(resolve(values.markdown), markdown);
    if (values.out) await writeFileAtomic(resolve(values.out), `${JSON.stringify(evaluation, null, 2)}\n`);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(evaluation, null, 2)}\n`);
    } else {
      const { classification: c, retrieval: r } = evaluation;
      process.stdout.write(
        [
          `${evaluation.model.id} on ${evaluation.data.dataset} ${evaluation.data.split} (${evaluation.data.queries} images, ${evaluation.run.provider})`,
          `  accuracy ${formatMetric(c.accuracy)}  weighted F1 ${formatMetric(c.weighted.f1)}  macro F1 ${formatMetric(c.macro.f1)}`,
          `  mAP ${formatMetric(r.queryVsDatabase.mAP)} vs ${evaluation.data.databaseSplit} (${evaluation.data.database})  ·  mAP ${formatMetric(r.leaveOneOut.mAP)} leave-one-out`,
          `  mAP@10 ${formatMetric(r.queryVsDatabase.mAPAtK.find((m) => m.k === 10)?.value ?? Number.NaN)}  P@10 ${formatMetric(r.queryVsDatabase.precisionAtK.find((m) => m.k === 10)?.value ?? Number.NaN)}`,
          values.markdown ? `  report → ${resolve(values.markdown)}` : '',
        ]
          .filter(Boolean)
          .join('\n') + '\n',
      );
    }
    return 0;
  },
};

export default evaluate;
