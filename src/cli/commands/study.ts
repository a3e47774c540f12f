import { resolve } from 'node:path';
import { CipherLensError } from '../../core/errors.js';
import { runStudy } from '../../core/study/runner.js';
import {
  DEFAULT_STUDY_BUDGET_NAME,
  STUDY_ARCHITECTURES,
  STUDY_BUDGETS,
  STUDY_BUDGET_NAMES,
  STUDY_GRID_CONDITIONS,
  TRANSFORMED_STUDY_ARCHITECTURES,
  describeBudget,
  STUDY_DATASETS,
  configurationLabel,
  studyConfigurations,
  type StudyDataset,
} from '../../core/study/configurations.js';
import { addTestOutcomes } from '../../core/study/outcomes-backfill.js';
import { findResult, readStudyResults } from '../../core/study/results.js';
import { writeStudyReport } from '../../core/study/report.js';
import { runSecurityStudy, writeSecurityStudy } from '../../core/study/security-study.js';
import { pythonStudyTrainer } from '../../core/study/trainer-adapter.js';
import { CONDITIONS, STUDY_CONDITIONS } from '../../core/crypto/condition.js';
import type { CliCommand } from '../command.js';
import { loadKeyOption, parseCommandArgs, passphraseOptions } from '../crypto-options.js';
import { createProgressBar } from '../progress.js';

const usage = `Usage: cipherlens study [run|outcomes|security|report|status] [options]

The ablation study: datasets {mednist, mnist} × conditions {${STUDY_CONDITIONS.join(', ')}} (the full budget adds
${STUDY_GRID_CONDITIONS.full.filter((c) => !STUDY_CONDITIONS.includes(c)).join(', ')}) × architectures {${STUDY_ARCHITECTURES.join(', ')}}, plus a key-transformed row
for ${TRANSFORMED_STUDY_ARCHITECTURES.join(', ')}; one fixed budget per run (--budget):
${STUDY_BUDGET_NAMES.map((name) => `  ${name.padEnd(6)} ${describeBudget(STUDY_BUDGETS[name])}`).join('\n')}
Each finished configuration is stored as
study/results/<label>-<hash>.json under a hash of its full configuration and skipped on the next run, so an
interrupted study resumes where it stopped.

  run        train → ONNX → evaluate every configuration that has no result yet (default)
  outcomes   add per-image test outcomes (for the report's paired tests) to results stored before the runner
             kept them: classifies the test split again with the model still in --work, checked against the
             stored confusion matrix
  security   security statistics over a fixed sample of test images per dataset and condition
  report     regenerate docs/study.md and docs/study/*.png from the stored results
  status     list which configurations have results

Options:
  --budget B         ${STUDY_BUDGET_NAMES.join(' | ')} (default ${DEFAULT_STUDY_BUDGET_NAME}); run, outcomes and status, the report shows every budget
  --dataset D        only this dataset (mednist | mnist); repeatable via commas
  --arch A           only these architectures (comma-separated)
  --condition C      only these conditions (comma-separated)
  --key FILE         key the exports were made with (default resources/keys/demo.key)
  --exports DIR      tensor exports (default data/exports; create with \`cipherlens export-dataset\`)
  --results DIR      default study/results
  --work DIR         models and checkpoints (default data/study)
  --docs DIR         default docs
  --sample N         security study: test images per condition (default 200)
  --threads N        CPU threads for training and inference (default 2)`;

const list = <T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T[] => {
  if (!value) return [...allowed];
  const items = value.split(',').map((s) => s.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new CipherLensError('BAD_INPUT', `${flag} "${item}" is not one of ${allowed.join(', ')}`);
    }
  }
  return items as T[];
};

const formatSeconds = (s: number): string =>
  s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`;

const command: CliCommand = {
  name: 'study',
  summary: 'run the 2 × 4 × 4 ablation study and the security study; regenerate docs/study.md',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('study', argv, {
      budget: { type: 'string', default: DEFAULT_STUDY_BUDGET_NAME },
      dataset: { type: 'string' },
      arch: { type: 'string' },
      condition: { type: 'string' },
      key: { type: 'string', default: 'resources/keys/demo.key' },
      exports: { type: 'string', default: 'data/exports' },
      results: { type: 'string', default: 'study/results' },
      work: { type: 'string', default: 'data/study' },
      docs: { type: 'string', default: 'docs' },
      sample: { type: 'string', default: '200' },
      threads: { type: 'string', default: '2' },
      ...passphraseOptions,
    });
    const action = positionals[0] ?? 'run';
    const threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1)
      throw new CipherLensError('BAD_INPUT', '--threads must be a positive integer');
    const datasets = list(values.dataset, STUDY_DATASETS, '--dataset');
    const architectures = list(values.arch, STUDY_ARCHITECTURES, '--arch');
    const conditions = list(values.condition, CONDITIONS, '--condition');
    const resultsDir = resolve(values.results);
    const key = await loadKeyOption(values);
    const [budget] = list(values.budget, STUDY_BUDGET_NAMES, '--budget');
    const configurations = studyConfigurations(key.fingerprint, STUDY_BUDGETS[budget!]).filter(
      (c) =>
        datasets.includes(c.dataset) &&
        architectures.includes(c.architecture) &&
        conditions.includes(c.condition),
    );

    switch (action) {
      case 'status': {
        const { results, problems } = await readStudyResults(resultsDir);
        let present = 0;
        for (const c of configurations) {
          const r = findResult(results, c);
          if (r) present += 1;
          process.stdout.write(
            `${configurationLabel(c).padEnd(46)} ${r ? `weighted F1 ${r.classification.weightedF1.toFixed(4)}  mAP ${r.retrieval.testToTrain.mAP.toFixed(4)}` : 'missing'}\n`,
          );
        }
        for (const p of problems) process.stderr.write(`unreadable result: ${p}\n`);
        process.stdout.write(
          `${present} of ${configurations.length} configurations have results at the ${budget} budget (${describeBudget(STUDY_BUDGETS[budget!])})\n`,
        );
        return 0;
      }
      case 'report': {
        const { results, problems } = await readStudyResults(resultsDir);
        const path = await writeStudyReport({
          results,
          problems,
          resultsDir,
          docsDir: resolve(values.docs),
          command: 'cipherlens study report',
        });
        process.stdout.write(`wrote ${path} (${results.length} results)\n`);
        return 0;
      }
      case 'outcomes': {
        const summary = await addTestOutcomes({
          configurations,
          resultsDir,
          workDir: resolve(values.work),
          exportsDir: resolve(values.exports),
          key,
          threads,
          onEvent: (event) => {
            if (event.type === 'unreadable') {
              process.stderr.write(`unreadable result (left as it is): ${event.problem}\n`);
              return;
            }
            const detail =
              event.type === 'skipped'
                ? `: ${event.reason}`
                : event.type === 'failed'
                  ? `: ${event.error}`
                  : '';
            process.stderr.write(`${event.label}: ${event.type}${detail}\n`);
          },
        });
        process.stdout.write(
          `outcomes: ${summary.added} added, ${summary.skipped} skipped, ${summary.failed} failed\n`,
        );
        return summary.failed > 0 ? 1 : 0;
      }
      case 'security': {
        const sample = Number(values.sample);
        if (!Number.isInteger(sample) || sample < 1)
          throw new CipherLensError('BAD_INPUT', '--sample must be a positive integer');
        for (const dataset of datasets as StudyDataset[]) {
          const bar = createProgressBar(`security ${dataset}`, sample * CONDITIONS.length);
          const result = await runSecurityStudy({
            dataset,
            plainExportDir: resolve(values.exports, `${dataset}-plain`),
            key,
            sampleSize: sample,
            onProgress: (done, total) => bar.update(done, total),
          });
          bar.finish();
          process.stdout.write(`wrote ${await writeSecurityStudy(resultsDir, result)}\n`);
        }
        return 0;
      }
      case 'run': {
        const controller = new AbortController();
        const stop = (): void => {
          process.stderr.write('\nstopping after cleanup; finished configurations are kept\n');
          controller.abort();
        };
        process.once('SIGINT', stop);
        const started = Date.now();
        const summary = await runStudy({
          configurations,
          resultsDir,
          workDir: resolve(values.work),
          exportsDir: resolve(values.exports),
          trainer: pythonStudyTrainer({ threads }),
          key,
          threads,
          signal: controller.signal,
          onEvent: (event) => {
            const position = 'index' in event ? `[${event.index + 1}/${event.total}]` : '';
            switch (event.type) {
              case 'unreadable':
                process.stderr.write(
                  `unreadable result (its configuration counts as missing and is run again): ${event.problem}\n`,
                );
                break;
              case 'skip':
                process.stderr.write(`${position} ${event.label}: ${event.reason}\n`);
                break;
              case 'start':
                process.stderr.write(
                  `${position} ${event.label}: training${event.etaSeconds === null ? '' : ` (study ETA ${formatSeconds(event.etaSeconds)})`}\n`,
                );
                break;
              case 'train':
                process.stderr.write(`    ${event.message}\n`);
                break;
              case 'evaluate':
                if (event.done === event.total) process.stderr.write(`    evaluated: ${event.stage}\n`);
                break;
              case 'done':
                process.stderr.write(
                  `${position} ${event.label}: weighted F1 ${event.result.classification.weightedF1.toFixed(4)}, mAP ${event.result.retrieval.testToTrain.mAP.toFixed(4)} in ${formatSeconds(event.seconds)}\n`,
                );
                break;
              case 'failed':
                process.stderr.write(`${position} ${event.label}: FAILED — ${event.error}\n`);
                break;
            }
          },
        });
        process.off('SIGINT', stop);
        process.stdout.write(
          `study: ${summary.completed} trained, ${summary.skipped} already stored, ${summary.failed.length} failed in ${formatSeconds((Date.now() - started) / 1000)}\n`,
        );
        if (summary.failed.length > 0) process.stdout.write(`failed: ${summary.failed.join(', ')}\n`);
        return summary.failed.length > 0 ? 1 : 0;
      }
      default:
        throw new CipherLensError(
          'BAD_INPUT',
          `unknown study action "${action}" (run, outcomes, security, report, status)`,
        );
    }
  },
};

export default command;
