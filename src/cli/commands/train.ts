import { CipherLensError } from '../../core/errors.js';
import {
  parseArchitecture,
  parseAugmentPreset,
  runTrainer,
  type TrainOptions,
} from '../../core/training/trainer.js';
import type { TrainerEvent } from '../../core/training/events.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs, refuseExtraArguments } from '../crypto-options.js';
import { createProgressBar, type ProgressBar } from '../progress.js';

const usage = `Usage: cipherlens train --data EXPORT_DIR --arch dcnn|resnet|mlp|bitplane-mlp [options]

Trains a model on a tensor export (from \`cipherlens export-dataset\`) with the Python/PyTorch trainer, keeps the
weights of the best validation epoch, measures the test split, and writes <id>.onnx + <id>.json (the model card).
  --data DIR           tensor export directory (manifest.json + .npy splits), e.g. data/exports/mnist-arnold+xor
  --arch A             dcnn | resnet | mlp | bitplane-mlp
  --out DIR            output directory (default resources/models)
  --id ID              model id (default <dataset>-<arch>-<condition>, '+' written as 'plus')
  --epochs N           epoch budget (default 10)
  --patience N         stop after N epochs without a better validation accuracy (default 0: never)
  --batch-size N       default 128
  --lr X               peak learning rate of the one-cycle schedule (default 0.001)
  --weight-decay X     AdamW weight decay (default 0.0001)
  --seed N             training seed (default 42)
  --max-train N        train on a stratified subsample of N images (also --max-val, --max-test)
  --dropout X          dropout before each fully connected layer (default 0.3)
  --input-dropout X    dropout on the input features (mlp, bitplane-mlp; default 0)
  --label-smoothing X  cross-entropy label smoothing (default 0; 0.1 tightens the embedding's class clusters)
  --augment P          none | affine | affine+elastic: plaintext augmentation, plain exports only (a plain
                       bit-plane model is transformable: every key gets it with no training)
  --hidden N           first hidden layer width (mlp, bitplane-mlp; default 1024, less for big images)
  --threads N          torch CPU threads (default 2)
  --device D           auto | cpu | cuda (default auto: CUDA when torch sees a GPU)
  --resume             continue an interrupted run from its checkpoint; skip it if its card already exists
  --no-verify          skip the onnxruntime-node check of the exported graph
  --python PATH        Python with torch + onnx (default env CIPHERLENS_PYTHON, /usr/bin/python3, python3)
  --json               print the trainer's JSON-lines progress on stdout instead of a progress bar
jemalloc is preloaded automatically when /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 exists (4–6× faster on CPU).`;

function positiveInteger(flag: string, value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < (allowZero ? 0 : 1)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${flag} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got "${value}"`,
    );
  }
  return number;
}

function positiveNumber(flag: string, value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || (!allowZero && number === 0)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${value}"`,
    );
  }
  return number;
}

function parseDevice(value: string | undefined): TrainOptions['device'] {
  if (value === undefined || value === 'auto' || value === 'cpu' || value === 'cuda') return value;
  throw new CipherLensError('BAD_INPUT', `--device must be auto, cpu or cuda, got "${value}"`);
}

const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;

/** Draws the step bar and prints one line per epoch; everything on stderr so stdout keeps the summary. */
function progressReporter(): { onEvent: (event: TrainerEvent) => void; close: () => void } {
  let bar: ProgressBar | undefined;
  const note = (line: string): void => {
    process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}${line}\n`);
  };
  return {
    onEvent(event) {
      switch (event.event) {
        case 'start':
          note(
            `training ${event.id}: ${event.architecture}, ${event.parameters.toLocaleString('en')} parameters, ` +
              `${event.trainSize} train / ${event.valSize} val images, ${event.epochs} epochs on ${event.device}` +
              `${event.jemalloc ? ' (jemalloc)' : ''}${event.resumedFromEpoch ? `, resumed after epoch ${event.resumedFromEpoch}` : ''}`,
          );
          bar = createProgressBar('steps', event.totalSteps);
          bar.update(event.resumedFromEpoch * event.stepsPerEpoch);
          break;
        case 'step':
          bar?.update(event.step);
          break;
        case 'epoch':
          bar?.update(event.step);
          note(
            `epoch ${event.epoch}/${event.epochs}: loss ${event.loss?.toFixed(4) ?? 'n/a'}, train ${percent(event.trainAccuracy)}, ` +
              `val ${percent(event.valAccuracy)} (weighted F1 ${event.valWeightedF1.toFixed(4)})${event.best ? ' *best' : ''}, ${event.seconds.toFixed(1)} s`,
          );
          break;
        case 'early-stop':
          note(
            `early stop after epoch ${event.epoch}: no better validation accuracy for ${event.patience} epochs`,
          );
          break;
        case 'test':
          bar?.finish();
          bar = undefined;
          note(
            `test (best epoch ${event.bestEpoch}): accuracy ${percent(event.accuracy)}, weighted F1 ${event.weightedF1.toFixed(4)}`,
          );
          break;
        case 'export':
          note(
            `exported ${event.onnx} (${(event.bytes / 1024).toFixed(0)} KiB)` +
              (event.maxAbsDiffVsTorch === null
                ? ', not verified'
                : `, max |onnx − torch| ${event.maxAbsDiffVsTorch.toExponential(2)}`),
          );
          break;
        default:
          break;
      }
    },
    close() {
      bar?.finish();
    },
  };
}

const train: CliCommand = {
  name: 'train',
  summary: 'train a model on an encrypted tensor export and write ONNX + model card',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('train', argv, {
      data: { type: 'string' },
      arch: { type: 'string' },
      out: { type: 'string' },
      id: { type: 'string' },
      epochs: { type: 'string' },
      patience: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      'weight-decay': { type: 'string' },
      seed: { type: 'string' },
      'max-train': { type: 'string' },
      'max-val': { type: 'string' },
      'max-test': { type: 'string' },
      dropout: { type: 'string' },
      'input-dropout': { type: 'string' },
      'label-smoothing': { type: 'string' },
      hidden: { type: 'string' },
      augment: { type: 'string' },
      threads: { type: 'string' },
      device: { type: 'string' },
      resume: { type: 'boolean' },
      'no-verify': { type: 'boolean' },
      python: { type: 'string' },
      json: { type: 'boolean' },
    });
    refuseExtraArguments(positionals);
    if (!values.data) throw new CipherLensError('BAD_INPUT', '--data EXPORT_DIR is required');
    if (!values.arch)
      throw new CipherLensError('BAD_INPUT', '--arch is required (dcnn, resnet, mlp or bitplane-mlp)');

    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    const reporter = values.json ? undefined : progressReporter();
    try {
      const result = await runTrainer({
        data: values.data,
        architecture: parseArchitecture(values.arch),
        out: values.out ?? 'resources/models',
        id: values.id,
        epochs: positiveInteger('--epochs', values.epochs),
        patience: positiveInteger('--patience', values.patience, true),
        batchSize: positiveInteger('--batch-size', values['batch-size']),
        learningRate: positiveNumber('--lr', values.lr),
        weightDecay: positiveNumber('--weight-decay', values['weight-decay'], true),
        seed: positiveInteger('--seed', values.seed, true),
        maxTrain: positiveInteger('--max-train', values['max-train']),
        maxVal: positiveInteger('--max-val', values['max-val']),
        maxTest: positiveInteger('--max-test', values['max-test']),
        dropout: positiveNumber('--dropout', values.dropout, true),
        inputDropout: positiveNumber('--input-dropout', values['input-dropout'], true),
        labelSmoothing: positiveNumber('--label-smoothing', values['label-smoothing'], true),
        hidden: positiveInteger('--hidden', values.hidden),
        augment: parseAugmentPreset(values.augment),
        threads: positiveInteger('--threads', values.threads),
        device: parseDevice(values.device),
        resume: values.resume,
        verify: !values['no-verify'],
        python: values.python,
        signal: controller.signal,
        onEvent: values.json
          ? (event) => process.stdout.write(`${JSON.stringify(event)}\n`)
          : reporter?.onEvent,
        onLog: process.env.CIPHERLENS_DEBUG
          ? (line) => process.stderr.write(`[trainer] ${line}\n`)
          : undefined,
      });
      if (!values.json) {
        const { test } = result.metrics;
        process.stdout.write(
          `${result.skipped ? 'already trained' : 'trained'} ${result.id}: test accuracy ${percent(test.accuracy)}, ` +
            `weighted F1 ${test.weightedF1.toFixed(4)}, macro F1 ${test.macroF1.toFixed(4)}; ` +
            `${result.epochsRun} epochs (best ${result.bestEpoch}) in ${result.durationSeconds.toFixed(0)} s on ${result.device}\n` +
            `  ${result.onnxPath}\n  ${result.cardPath}\n`,
        );
      }
      return 0;
    } finally {
      reporter?.close();
      process.removeListener('SIGINT', onSigint);
    }
  },
};

export default train;
