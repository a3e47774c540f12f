import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { createImageCipher } from '../core/crypto/cipher.js';
import type { CipherKey } from '../core/crypto/keys.js';
import { planSplits } from '../core/datasets/dataset.js';
import { exportTensors } from '../core/datasets/export.js';
import { openDataset } from '../core/datasets/open.js';
import { DEFAULT_SPLIT_SEED } from '../core/datasets/splits.js';
import { CipherLensError, describeError } from '../core/errors.js';
import { listModels } from '../core/inference/model-files.js';
import type { TrainerEvent } from '../core/training/events.js';
import {
  INSTALL_HINT,
  probePythonTraining,
  resolvePython,
  trainerEnvironment,
  type PythonTrainingStack,
} from '../core/training/python.js';
import { DEFAULT_TRAINER_ROOT, modelId, runTrainer } from '../core/training/trainer.js';
import type { ParsedRequest } from '../shared/operations.js';
import type { ModelsTrainResult, ModelsTrainStatus } from '../shared/user-models.js';
import { STORAGE_CONDITION, type BackendContext } from './context.js';
import { datasetAvailability } from './dataset-sample.js';
import type { JobContext } from './jobs.js';
import { installUserModel } from './user-models.js';

export type TrainDataset = 'mednist' | 'mnist';
export type TrainArchitecture = 'dcnn' | 'bitplane-mlp';

export interface TrainPlan {
  /** The budget the shipped model of this dataset and architecture was trained with (docs/training.md). */
  defaultEpochs: number;
  /** Measured on the 2-core CPU VM that trained the shipped models. */
  cpuSecondsPerEpoch: number;
  labelSmoothing: number;
}

/** The shipped models' recipes: each is about 10 minutes on 2 CPU cores for MedNIST, about 5 for MNIST. */
export const TRAIN_PLANS: Record<TrainDataset, Record<TrainArchitecture, TrainPlan>> = {
  mednist: {
    dcnn: { defaultEpochs: 5, cpuSecondsPerEpoch: 110, labelSmoothing: 0 },
    'bitplane-mlp': { defaultEpochs: 12, cpuSecondsPerEpoch: 35, labelSmoothing: 0 },
  },
  mnist: {
    dcnn: { defaultEpochs: 12, cpuSecondsPerEpoch: 25, labelSmoothing: 0.1 },
    'bitplane-mlp': { defaultEpochs: 30, cpuSecondsPerEpoch: 10, labelSmoothing: 0.1 },
  },
};

/** Training-split sizes of the full datasets (split seed 42), to scale the estimate of a subsampled run. */
const FULL_TRAIN_SIZE: Record<TrainDataset, number> = { mednist: 47_164, mnist: 55_000 };
const DATASET_TITLES: Record<TrainDataset, string> = { mednist: 'MedNIST', mnist: 'MNIST' };
const ARCHITECTURE_TITLES: Record<TrainArchitecture, string> = {
  dcnn: 'DCNN',
  'bitplane-mlp': 'bit-plane MLP',
};

/**
 * A trained model's id: the trainer's `<dataset>-<arch>-<condition>` (a shipped model's id) plus the key's
 * fingerprint, so it never clashes with a shipped model, nor with the `-for-<fingerprint>` ids of the models
 * transformed in memory.
 */
export function userModelId(
  dataset: TrainDataset,
  architecture: TrainArchitecture,
  fingerprint: string,
): string {
  return `${modelId(dataset, architecture, STORAGE_CONDITION)}-key-${fingerprint}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 45) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${Math.max(1, minutes)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const cpuMinutes = (dataset: TrainDataset, architecture: TrainArchitecture): number => {
  const plan = TRAIN_PLANS[dataset][architecture];
  return Math.round((plan.defaultEpochs * plan.cpuSecondsPerEpoch) / 60);
};

/** How long training takes, and what works without it. */
export function trainingTimeNote(): string {
  return (
    'Training runs on the CPU unless PyTorch sees a CUDA GPU. On 2 CPU cores with the default epochs it takes ' +
    `about 10 minutes per model for MedNIST (DCNN ${TRAIN_PLANS.mednist.dcnn.defaultEpochs} epochs ≈ ${cpuMinutes('mednist', 'dcnn')} min, ` +
    `bit-plane ${TRAIN_PLANS.mednist['bitplane-mlp'].defaultEpochs} epochs ≈ ${cpuMinutes('mednist', 'bitplane-mlp')} min) and less for MNIST ` +
    `(DCNN ≈ ${cpuMinutes('mnist', 'dcnn')} min, bit-plane ≈ ${cpuMinutes('mnist', 'bitplane-mlp')} min), plus about a minute to encrypt the dataset. ` +
    'The models transformed for the active key need no training: they classify and retrieve with this key at once.'
  );
}

type Probe =
  { ok: true; python: string; stack: PythonTrainingStack } | { ok: false; python: string; message: string };

/** The train operation: Python discovery (probed once, re-probed on request), the job, and its status. */
export class ModelTrainer {
  private probe: Promise<Probe> | null = null;

  constructor(private readonly context: BackendContext) {}

  get trainerRoot(): string {
    return resolve(
      this.context.options.trainerRoot ?? process.env.CIPHERLENS_TRAINER_ROOT ?? DEFAULT_TRAINER_ROOT,
    );
  }

  private check(recheck: boolean): Promise<Probe> {
    if (recheck || !this.probe) this.probe = this.runProbe();
    return this.probe;
  }

  private async runProbe(): Promise<Probe> {
    const python = resolvePython(this.context.options.python);
    const script = join(this.trainerRoot, 'training', 'train.py');
    if (!existsSync(script)) {
      return {
        ok: false,
        python,
        message:
          `The Python trainer is not part of this installation (${script} is missing): training runs from a ` +
          'source checkout of CipherLens (`npm run serve` or `npm start` in the repository).',
      };
    }
    try {
      return {
        ok: true,
        python,
        stack: await probePythonTraining(python, trainerEnvironment(this.trainerRoot)),
      };
    } catch (error) {
      return { ok: false, python, message: describeError(error) };
    }
  }

  async status(recheck: boolean): Promise<ModelsTrainStatus> {
    const probe = await this.check(recheck);
    const found = datasetAvailability(this.context.options.dataDir);
    const options = (Object.keys(TRAIN_PLANS) as TrainDataset[]).flatMap((dataset) =>
      (Object.keys(TRAIN_PLANS[dataset]) as TrainArchitecture[]).map((architecture) => ({
        dataset,
        architecture,
        defaultEpochs: TRAIN_PLANS[dataset][architecture].defaultEpochs,
        cpuSecondsPerEpoch: TRAIN_PLANS[dataset][architecture].cpuSecondsPerEpoch,
        datasetAvailable: found.some((entry) => entry.dataset === dataset && entry.available),
      })),
    );
    const { stack } = probe.ok ? probe : { stack: null };
    return {
      userModelsDir: this.context.userModelsDir,
      available: probe.ok,
      python: probe.python,
      stack: stack && {
        pythonVersion: stack.pythonVersion,
        torch: stack.torch,
        onnx: stack.onnx,
        numpy: stack.numpy,
        cuda: stack.cuda,
      },
      problem: probe.ok ? null : `${probe.message} ${trainingTimeNote()}`,
      installHint: INSTALL_HINT,
      timeNote: trainingTimeNote(),
      options,
      runningJobId: this.context.jobs.running('model-train')[0]?.id ?? null,
    };
  }

  private refuseConcurrent(): void {
    const running = this.context.jobs.running('model-train')[0];
    if (running) {
      throw new CipherLensError(
        'BAD_INPUT',
        `a model is already being trained (job ${running.id}): wait for it or cancel it first — one training at a time`,
      );
    }
  }

  /** Checks everything that can be checked at once, then starts the `model-train` job. */
  async start(request: ParsedRequest<'modelsTrain'>): Promise<string> {
    const key = this.context.activeKey();
    this.refuseConcurrent();
    let probe = await this.check(false);
    if (!probe.ok) probe = await this.check(true);
    if (!probe.ok) throw new CipherLensError('DEPENDENCY_MISSING', `${probe.message} ${trainingTimeNote()}`);
    const { dataDir } = this.context.options;
    const title = DATASET_TITLES[request.dataset];
    if (!dataDir || !datasetAvailability(dataDir).some((d) => d.dataset === request.dataset && d.available)) {
      throw new CipherLensError(
        'NOT_FOUND',
        `${title} was not found in the data folder (${dataDir ?? 'none is configured'}): run ` +
          `\`cipherlens download --dataset ${request.dataset}\`, or start the host with --data-dir <folder holding mnist/ and MedNIST.tar.gz>`,
      );
    }
    const id = userModelId(request.dataset, request.architecture, key.fingerprint);
    if (!request.replace) {
      const existing = (await listModels(this.context.userModelsDir)).find((model) => model.card.id === id);
      if (existing) {
        throw new CipherLensError(
          'BAD_INPUT',
          `you already have "${id}", a ${title} ${ARCHITECTURE_TITLES[request.architecture]} trained for key ` +
            `${key.fingerprint} (${existing.cardPath}): train again with "replace" (Settings → Models: "Replace my model ` +
            'with the same id") to overwrite it',
        );
      }
    }
    this.refuseConcurrent();
    const python = probe.python;
    return this.context.jobs.start('model-train', (job) =>
      this.run(job, request, { key, id, dataDir, python }),
    );
  }

  private async run(
    job: JobContext,
    request: ParsedRequest<'modelsTrain'>,
    given: { key: CipherKey; id: string; dataDir: string; python: string },
  ): Promise<ModelsTrainResult> {
    const { context } = this;
    const { key, id } = given;
    const title = DATASET_TITLES[request.dataset];
    const plan = TRAIN_PLANS[request.dataset][request.architecture];
    const epochs = request.epochs ?? plan.defaultEpochs;
    // The export is the dataset encrypted with the key: with the public plain images it reveals the key's
    // permutation and keystream, so it lives in the user's state folder, readable by the user only, and is deleted
    // when the job ends, whatever the outcome.
    const work = join(context.options.stateDir, 'cache', 'training', randomBytes(6).toString('hex'));
    await mkdir(work, { recursive: true, mode: 0o700 });
    try {
      job.progress(0, 0, `reading ${title}`);
      const { dataset } = await openDataset(request.dataset, {
        dataDir: given.dataDir,
        cacheDir: context.options.cacheDir,
        onProgress: (done, total) => job.progress(done, total, `reading ${title} (${done}/${total})`),
      });
      job.signal.throwIfAborted();
      const exportDir = join(work, 'export');
      await exportTensors({
        dataset,
        plan: planSplits(dataset, DEFAULT_SPLIT_SEED),
        splitSeed: DEFAULT_SPLIT_SEED,
        condition: STORAGE_CONDITION,
        cipher: createImageCipher(key, STORAGE_CONDITION, dataset.imageSize),
        outDir: exportDir,
        onProgress: (done, total) => {
          job.signal.throwIfAborted();
          job.progress(
            done,
            total,
            `encrypting ${title} with key ${key.fingerprint} (${done}/${total} images)`,
          );
        },
      });
      job.signal.throwIfAborted();
      const label = `${title} ${ARCHITECTURE_TITLES[request.architecture]}`;
      const result = await runTrainer({
        data: exportDir,
        architecture: request.architecture,
        out: join(work, 'out'),
        id,
        epochs,
        ...(plan.labelSmoothing > 0 && { labelSmoothing: plan.labelSmoothing }),
        ...(request.maxTrain !== undefined && { maxTrain: request.maxTrain }),
        ...(request.maxVal !== undefined && { maxVal: request.maxVal }),
        ...(request.maxTest !== undefined && { maxTest: request.maxTest }),
        threads: Math.max(2, Math.min(availableParallelism() - 1, 8)),
        python: given.python,
        trainerRoot: this.trainerRoot,
        signal: job.signal,
        onEvent: trainingProgress(job, label, plan, FULL_TRAIN_SIZE[request.dataset]),
        onLog: (line) => context.options.log?.(`trainer: ${line}`),
      });
      job.signal.throwIfAborted();
      job.progress(1, 1, 'checking the trained model and adding it to your models');
      const installed = await installUserModel(
        {
          onnx: await readFile(result.onnxPath),
          cardText: await readFile(result.cardPath, 'utf8'),
          onnxName: result.onnxPath,
          cardName: `the trained model card ${result.cardPath}`,
        },
        {
          userModelsDir: context.userModelsDir,
          shippedDirs: context.options.modelsDirs,
          replace: request.replace,
          ...(context.options.createEngine && { createEngine: context.options.createEngine }),
        },
      );
      if (request.activate) await context.settings.update({ activeModel: installed.model.card.id });
      return {
        model: context.models.info(installed.model, context.activeKeyOrNull()),
        keyFingerprint: key.fingerprint,
        replaced: installed.replaced,
        epochsRun: result.epochsRun,
        bestEpoch: result.bestEpoch,
        durationSeconds: result.durationSeconds,
        device: result.device,
        metrics: {
          validation: pickMetrics(result.metrics.validation),
          test: pickMetrics(result.metrics.test),
        },
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

const pickMetrics = (m: { accuracy: number; weightedF1: number; macroF1: number }) => ({
  accuracy: m.accuracy,
  weightedF1: m.weightedF1,
  macroF1: m.macroF1,
});

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

/** Trainer events → job progress (steps done of all steps) with a message and the time left. */
export function trainingProgress(
  job: Pick<JobContext, 'progress'>,
  label: string,
  plan: TrainPlan,
  fullTrainSize: number,
  now: () => number = Date.now,
): (event: TrainerEvent) => void {
  let startedAt = now();
  let firstStep = 0;
  let epochs = 0;
  let total = 0;
  let estimate: number | null = null;
  const left = (step: number): string => {
    const steps = step - firstStep;
    const elapsed = (now() - startedAt) / 1000;
    if (steps > 0 && elapsed > 0) return `about ${formatDuration((elapsed * (total - step)) / steps)} left`;
    return estimate === null
      ? 'estimating the time left'
      : `about ${formatDuration(estimate)} left (estimate)`;
  };
  return (event) => {
    switch (event.event) {
      case 'start': {
        startedAt = now();
        epochs = event.epochs;
        total = event.totalSteps;
        firstStep = Math.round((event.resumedFromEpoch / Math.max(1, event.epochs)) * event.totalSteps);
        estimate = event.device.startsWith('cuda')
          ? null
          : (event.epochs - event.resumedFromEpoch) *
            plan.cpuSecondsPerEpoch *
            Math.min(1, event.trainSize / fullTrainSize);
        job.progress(
          firstStep,
          total,
          `training ${label} on ${event.trainSize} encrypted images, ${epochs} epochs on ${event.device} · ${left(firstStep)}`,
        );
        return;
      }
      case 'step':
        job.progress(
          event.step,
          event.totalSteps,
          `epoch ${event.epoch}/${epochs}${event.loss === null ? '' : ` · loss ${event.loss.toFixed(3)}`} · ${left(event.step)}`,
        );
        return;
      case 'epoch':
        job.progress(
          event.step,
          event.totalSteps,
          `epoch ${event.epoch}/${event.epochs} done · validation accuracy ${percent(event.valAccuracy)} · ${left(event.step)}`,
        );
        return;
      case 'early-stop':
        job.progress(
          total,
          total,
          `stopped early after epoch ${event.epoch} (best ${event.bestEpoch}); testing`,
        );
        return;
      case 'test':
        job.progress(total, total, `test accuracy ${percent(event.accuracy)}; exporting to ONNX`);
        return;
      case 'export':
        job.progress(
          total,
          total,
          `exported ONNX (${(event.bytes / 1024 / 1024).toFixed(1)} MB); checking it`,
        );
        return;
      default:
        return;
    }
  };
}
