import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CipherLensError, type ErrorCode } from '../errors.js';
import { ARCHITECTURES, type Architecture } from './architectures.js';
import { LineSplitter, parseTrainerLine, type ClassificationMetrics, type TrainerEvent } from './events.js';
import { probePythonTraining, resolvePython, trainerEnvironment } from './python.js';


/** The trainer's augmentation presets (training/augment.py PRESETS). */
export const AUGMENT_PRESETS = ['none', 'affine', 'affine+elastic'] as const;
export type AugmentPreset = (typeof AUGMENT_PRESETS)[number];

export function parseAugmentPreset(value: string | undefined): AugmentPreset | undefined {
  if (value === undefined) return undefined;
  if ((AUGMENT_PRESETS as readonly string[]).includes(value)) return value as AugmentPreset;
  throw new CipherLensError('BAD_INPUT', `--augment must be one of ${AUGMENT_PRESETS.join(', ')}, got "${value}"`);
}

export function parseArchitecture(value: string): Architecture {
  if ((ARCHITECTURES as readonly string[]).includes(value)) return value as Architecture;
  throw new CipherLensError('BAD_INPUT', `unknown architecture "${value}"; expected one of ${ARCHITECTURES.join(', ')}`);
}

/** `<dataset>-<architecture>-<condition>` with '+' written as 'plus', as the trainer names its files. */
export function modelId(dataset: string, architecture: Architecture, condition: string): string {
  return `${dataset}-${architecture}-${condition.replaceAll('+', 'plus')}`;
}

/** The repository root, which holds the `training` Python package. */
export const DEFAULT_TRAINER_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface TrainOptions {
  /** A tensor export directory (manifest.json + .npy splits). */
  data: string;
  architecture: Architecture;
  /** Where `<id>.onnx` and `<id>.json` are written. */
  out: string;
  id?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  patience?: number;
  seed?: number;
  maxTrain?: number;
  maxVal?: number;
  maxTest?: number;
  dropout?: number;
  inputDropout?: number;
  /** Cross-entropy label smoothing (default 0): tightens the class clusters of the retrieval embedding. */
  labelSmoothing?: number;
  /** Plaintext augmentation preset (plain exports only; training/augment.py). */
  augment?: AugmentPreset;
  /** Width of the first hidden layer (mlp, bitplane-mlp). */
  hidden?: number;
  threads?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  /** Continue from a checkpoint, or skip when the same run already finished. */
  resume?: boolean;
  /** Check the ONNX export in onnxruntime-node (default true). */
  verify?: boolean;
  python?: string;
  trainerRoot?: string;
  signal?: AbortSignal;
  onEvent?: (event: TrainerEvent) => void;
  /** Lines the trainer printed that are not progress records (warnings, tracebacks). */
  onLog?: (line: string) => void;
}

export interface TrainResult {
  id: string;
  cardPath: string;
  onnxPath: string;
  metrics: { validation: ClassificationMetrics; test: ClassificationMetrics };
  skipped: boolean;
  durationSeconds: number;
  epochsRun: number;
  bestEpoch: number;
  device: string;
}

const KNOWN_CODES = new Set<ErrorCode>([
  'BAD_INPUT',
  'BAD_FORMAT',
  'NOT_FOUND',
  'DATASET',
  'DEPENDENCY_MISSING',
  'CANCELLED',
  'INTERNAL',
]);
const STDERR_TAIL = 4000;
const KILL_GRACE_MS = 5000;

export function trainerArguments(options: TrainOptions): string[] {
  const args = ['-m', 'training.train', '--data', resolve(options.data), '--arch', options.architecture];
  args.push('--out', resolve(options.out), '--node', process.execPath);
  const numeric: [string, number | undefined][] = [
    ['--epochs', options.epochs],
    ['--batch-size', options.batchSize],
    ['--lr', options.learningRate],
    ['--weight-decay', options.weightDecay],
    ['--patience', options.patience],
    ['--seed', options.seed],
    ['--max-train', options.maxTrain],
    ['--max-val', options.maxVal],
    ['--max-test', options.maxTest],
    ['--dropout', options.dropout],
    ['--input-dropout', options.inputDropout],
    ['--label-smoothing', options.labelSmoothing],
    ['--hidden', options.hidden],
    ['--threads', options.threads],
  ];
  for (const [flag, value] of numeric) if (value !== undefined) args.push(flag, String(value));
  if (options.id) args.push('--id', options.id);
  if (options.device) args.push('--device', options.device);
  if (options.augment) args.push('--augment', options.augment);
  if (options.resume) args.push('--resume');
  if (options.verify === false) args.push('--no-verify');
  return args;
}

/**
 * Runs the Python trainer as a child process, streaming its progress to `onEvent`. Resolves with the written
 * model card's paths and metrics; rejects with a CipherLensError carrying the trainer's own code and message.
 */
export async function runTrainer(options: TrainOptions): Promise<TrainResult> {
  if (!existsSync(join(options.data, 'manifest.json'))) {
    throw new CipherLensError(
      'NOT_FOUND',
      `${options.data} holds no manifest.json: not a tensor export (create one with \`cipherlens export-dataset\`), or its export has not finished`,
    );
  }
  const trainerRoot = options.trainerRoot ?? process.env.CIPHERLENS_TRAINER_ROOT ?? DEFAULT_TRAINER_ROOT;
  if (!existsSync(join(trainerRoot, 'training', 'train.py'))) {
    throw new CipherLensError('NOT_FOUND', `the Python trainer is missing: ${join(trainerRoot, 'training', 'train.py')}`);
  }
  const python = resolvePython(options.python);
  const env = trainerEnvironment(trainerRoot);
  await probePythonTraining(python, env);
  options.signal?.throwIfAborted();

  return new Promise<TrainResult>((resolvePromise, reject) => {
    const child = spawn(python, trainerArguments(options), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdoutLines = new LineSplitter();
    const stderrLines = new LineSplitter();
    let stderrTail = '';
    let done: Extract<TrainerEvent, { event: 'done' }> | undefined;
    let failure: Extract<TrainerEvent, { event: 'error' }> | undefined;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const handleLine = (line: string): void => {
      const parsed = parseTrainerLine(line);
      if (!parsed) return;
      if (parsed.kind === 'log') {
        options.onLog?.(parsed.text);
        return;
      }
      if (parsed.event.event === 'done') done = parsed.event;
      if (parsed.event.event === 'error') failure = parsed.event;
      options.onEvent?.(parsed.event);
    };
    const onAbort = (): void => {
      cancelled = true;
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdoutLines.push(chunk).forEach(handleLine));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL);
      for (const line of stderrLines.push(chunk)) if (line.trim()) options.onLog?.(line);
    });
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new CipherLensError('DEPENDENCY_MISSING', `could not start ${python}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      stdoutLines.flush().forEach(handleLine);
      for (const line of stderrLines.flush()) if (line.trim()) options.onLog?.(line);
      if (cancelled) {
        reject(new CipherLensError('CANCELLED', 'training was cancelled'));
      } else if (failure) {
        const code = KNOWN_CODES.has(failure.code as ErrorCode) ? (failure.code as ErrorCode) : 'INTERNAL';
        reject(new CipherLensError(code, failure.message));
      } else if (code !== 0 || !done) {
        const how = signal ? `was killed by ${signal}` : `exited with status ${String(code)}`;
        reject(new CipherLensError('INTERNAL', `the trainer ${how} without a result: ${stderrTail.trim().slice(-1500)}`));
      } else {
        resolvePromise({
          id: done.id,
          cardPath: done.card,
          onnxPath: done.onnx,
          metrics: done.metrics,
          skipped: done.skipped,
          durationSeconds: done.durationSeconds,
          epochsRun: done.epochsRun,
          bestEpoch: done.bestEpoch,
          device: done.device,
        });
      }
    });
  });
}
