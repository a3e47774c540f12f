import { describe, expect, it } from 'vitest';
import type { ModelsTrainStatus } from '../../src/shared/index.js';
import {
  minutes,
  trainPanelState,
  type TrainPanelInput,
} from '../../src/renderer/views/settings/userModels-state.js';

const status = (overrides: Partial<ModelsTrainStatus> = {}): ModelsTrainStatus => ({
  userModelsDir: '/home/r/.config/cipherlens/models',
  available: true,
  python: '/usr/bin/python3',
  stack: { pythonVersion: '3.11.2', torch: '1.13.0', onnx: '1.13.0', numpy: '1.24.2', cuda: false },
  problem: null,
  installHint: 'apt-get install python3-torch python3-onnx',
  timeNote: 'Transformed models need no training.',
  options: [
    {
      dataset: 'mednist',
      architecture: 'dcnn',
      defaultEpochs: 4,
      cpuSecondsPerEpoch: 300,
      datasetAvailable: true,
    },
    {
      dataset: 'mnist',
      architecture: 'dcnn',
      defaultEpochs: 4,
      cpuSecondsPerEpoch: 20,
      datasetAvailable: false,
    },
  ],
  runningJobId: null,
  ...overrides,
});

const input = (overrides: Partial<TrainPanelInput> = {}): TrainPanelInput => ({
  status: status(),
  fingerprint: 'aaaaaaaaaaaaaaaa',
  dataset: 'mednist',
  architecture: 'dcnn',
  epochs: Number.NaN,
  running: false,
  dataDir: '/data',
  ...overrides,
});

describe('user models: the Train section', () => {
  it('can train: estimates the time from the default epochs and says what will happen to the key and data', () => {
    const state = trainPanelState(input());
    expect(state.reason).toBeNull();
    expect(state.estimate).toBe('about 20 min on 2 CPU cores');
    expect(trainPanelState(input({ epochs: 1 })).estimate).toBe('about 5 min on 2 CPU cores');
    expect(state.explanation).toContain('with the active key aaaaaaaaaaaaaaaa inside the back end');
    expect(state.explanation).toContain('PyTorch 1.13.0 on the CPU');
    expect(state.where).toContain('/home/r/.config/cipherlens/models');
    expect(state.offerRecheck).toBe(false);
    const gpu = trainPanelState(input({ status: status({ stack: { ...status().stack!, cuda: true } }) }));
    expect(gpu.estimate).toBe('A CUDA GPU was found: much faster than the CPU.');
  });

  it('says why Train is disabled, in the order a person would fix it', () => {
    expect(trainPanelState(input({ status: null })).reason).toBe('Checking for Python and PyTorch…');
    const missing = trainPanelState(
      input({ status: status({ available: false, problem: 'PyTorch is not installed.', stack: null }) }),
    );
    expect(missing).toMatchObject({ reason: 'PyTorch is not installed.', problem: true, offerRecheck: true });
    // A missing stack without a stated problem still says something, never "Encrypts … with PyTorch ?".
    expect(trainPanelState(input({ status: status({ available: false, stack: null }) })).reason).toMatch(
      /^Training is not available here: apt-get install/,
    );
    expect(trainPanelState(input({ fingerprint: null })).reason).toMatch(/^No key is active/);
    expect(trainPanelState(input({ dataset: 'mnist' })).reason).toBe(
      'MNIST was not found in the data folder (/data): download it (cipherlens download --dataset mnist) or start the host with --data-dir.',
    );
    expect(trainPanelState(input({ status: status({ runningJobId: 'j1' }) })).reason).toMatch(
      /one at a time/,
    );
    expect(
      trainPanelState(input({ status: status({ runningJobId: 'j1' }), running: true })).reason,
    ).toBeNull();
  });

  it('rounds times a person can plan with', () => {
    expect([minutes(10), minutes(60), minutes(3600)]).toEqual([
      'under a minute',
      'about 1 min',
      'about 60 min',
    ]);
  });
});
