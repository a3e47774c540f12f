import type { ModelsTrainStatus } from '../../../shared/index.js';

export type Dataset = 'mednist' | 'mnist';
export type Architecture = 'dcnn' | 'bitplane-mlp';
export type TrainOption = ModelsTrainStatus['options'][number];

export const DATASET_TITLES: Record<Dataset, string> = { mednist: 'MedNIST', mnist: 'MNIST' };
export const ARCHITECTURE_TITLES: Record<Architecture, string> = {
  dcnn: 'DCNN (the paper’s network)',
  'bitplane-mlp': 'bit-plane MLP (best accuracy)',
};

export const minutes = (seconds: number): string =>
  seconds < 45 ? 'under a minute' : `about ${Math.max(1, Math.round(seconds / 60))} min`;

export interface TrainPanelInput {
  status: ModelsTrainStatus | null;
  /** The active key's fingerprint; null when none is active. */
  fingerprint: string | null;
  dataset: Dataset;
  architecture: Architecture;
  /** Epochs as typed (a bad value falls back to the option's default). */
  epochs: number;
  /** This panel's own training run is going on. */
  running: boolean;
  dataDir: string | null;
}

export interface TrainPanelState {
  option: TrainOption | null;
  estimate: string;
  where: string;
  /** Why Train is disabled, in words; null when it can start. */
  reason: string | null;
  /** What pressing Train will do (shown when it can), or `reason`. */
  explanation: string;
  /** The explanation reads as a problem to fix (the training stack is missing), not a passing state. */
  problem: boolean;
  /** "Check again" is offered only while training is unavailable (e.g. PyTorch was just installed). */
  offerRecheck: boolean;
}

/** Everything the Train section shows, decided from what the back end reported and what was chosen. */
export function trainPanelState(input: TrainPanelInput): TrainPanelState {
  const { status, fingerprint, dataset, running } = input;
  const option =
    status?.options.find((o) => o.dataset === dataset && o.architecture === input.architecture) ?? null;
  const count = Math.floor(input.epochs) || option?.defaultEpochs || 1;
  const cuda = status?.stack?.cuda === true;
  const estimate = option
    ? cuda
      ? 'A CUDA GPU was found: much faster than the CPU.'
      : `${minutes(count * option.cpuSecondsPerEpoch)} on 2 CPU cores`
    : '';
  const where = status
    ? `Your models (imported or trained) are kept in ${status.userModelsDir}, beside your keys — never in the installation.`
    : '';
  let reason: string | null = null;
  if (!status) reason = 'Checking for Python and PyTorch…';
  else if (!status.available)
    reason = status.problem ?? `Training is not available here: ${status.installHint}`;
  else if (!fingerprint) reason = 'No key is active: generate or select one in Keys first.';
  else if (option && !option.datasetAvailable)
    reason = `${DATASET_TITLES[dataset]} was not found in the data folder (${input.dataDir ?? 'not set'}): download it (cipherlens download --dataset ${dataset}) or start the host with --data-dir.`;
  else if (status.runningJobId && !running)
    reason = 'A model is being trained now (see the running jobs); one at a time.';
  const unavailable = status !== null && !status.available;
  if (reason !== null) {
    return {
      option,
      estimate,
      where,
      reason,
      explanation: reason,
      problem: unavailable,
      offerRecheck: unavailable,
    };
  }
  const stack = status!.stack;
  return {
    option,
    estimate,
    where,
    reason,
    explanation:
      `Encrypts ${DATASET_TITLES[dataset]} with the active key ${fingerprint} inside the back end (the key never leaves it; ` +
      `the encrypted copy is deleted afterwards), trains with Python ${stack?.pythonVersion ?? '?'} and PyTorch ${stack?.torch ?? '?'}` +
      `${cuda ? ' on CUDA' : ' on the CPU'}, and adds the model to your models. ${status!.timeNote}`,
    problem: false,
    offerRecheck: false,
  };
}
