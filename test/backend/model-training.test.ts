import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetAvailability } from '../../src/backend/dataset-sample.js';
import { trainingProgress, userModelId } from '../../src/backend/model-training.js';
import type { AppService } from '../../src/backend/service.js';
import { resolveDataDir } from '../../src/core/datasets/data-dir.js';
import { resolvePython } from '../../src/core/training/python.js';
import { CipherLensApiError } from '../../src/shared/api.js';
import type { OperationRequest, OperationResponse } from '../../src/shared/operations.js';
import type { OperationName } from '../../src/shared/operation-names.js';
import type { JobState } from '../../src/shared/system.js';
import { ModelsTrainResultSchema } from '../../src/shared/user-models.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { FIXTURES, startTestService } from './harness.js';

const requireAll = process.env.CIPHERLENS_REQUIRE_ALL === '1';
const hasTorch = spawnSync(resolvePython(), ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
const dataDir = resolveDataDir();
const hasMnist = datasetAvailability(dataDir).some((d) => d.dataset === 'mnist' && d.available);
if (!hasTorch || !hasMnist) {
  const missing = [
    !hasTorch &&
      `${resolvePython()} cannot import torch and onnx (apt-get install python3-torch python3-onnx)`,
    !hasMnist && `MNIST is not in ${dataDir} (cipherlens download --dataset mnist)`,
  ].filter(Boolean);
  console.warn(`\n*** SKIPPING parts of the train-a-model tests: ${missing.join('; ')} ***\n`);
}

let service: AppService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

const call = <N extends OperationName>(
  operation: N,
  payload: OperationRequest<N> = {} as OperationRequest<N>,
) => service!.call(operation, payload) as Promise<OperationResponse<N>>;

async function rejection(operation: OperationName, payload: unknown): Promise<CipherLensApiError> {
  try {
    await service!.call(operation, payload);
  } catch (error) {
    expect(error).toBeInstanceOf(CipherLensApiError);
    return error as CipherLensApiError;
  }
  throw new Error(`${operation} did not fail`);
}

/** A stand-in interpreter: answers the dependency probe as a working stack; as the trainer, runs `trainer`. */
async function fakePython(dir: string, trainer: string): Promise<string> {
  const path = join(dir, 'fake-python');
  const probe = `{"missing": [], "pythonVersion": "3.11.2", "numpy": "1.24.2", "torch": "1.13.0", "onnx": "1.12.0", "cuda": false}`;
  await writeFile(path, `#!/bin/sh\nif [ "$1" = "-c" ]; then echo '${probe}'; exit 0; fi\n${trainer}\n`);
  await chmod(path, 0o755);
  return path;
}

/** Empty files where MNIST's are: enough for the availability check, never read. */
async function fakeMnistFolder(root: string): Promise<string> {
  const folder = join(root, 'data');
  await mkdir(join(folder, 'mnist'), { recursive: true });
  for (const name of [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ])
    await writeFile(join(folder, 'mnist', `${name}.gz`), '');
  return folder;
}

async function waitFor(
  jobId: string,
  until: (job: JobState) => boolean,
  timeoutMs = 60_000,
): Promise<JobState> {
  const started = Date.now();
  for (;;) {
    const job = await call('jobsGet', { jobId });
    if (until(job)) return job;
    if (job.status !== 'running')
      throw new Error(`job ended (${job.status}: ${job.error?.message ?? ''}) first`);
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting; last: ${job.progress.message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('train a model for this key: what is needed, explained before anyone clicks', () => {
  it('without Python, the status and the operation say what to install, how long training takes, and what works now', async () => {
    const root = await temporaryFolder('cipherlens-train-nopython-');
    service = await startTestService({
      python: join(root, 'no-such-python3'),
      dataDir: await fakeMnistFolder(root),
    });
    const status = await call('modelsTrainStatus');
    expect(status.available).toBe(false);
    expect(status.stack).toBeNull();
    expect(status.python).toBe(join(root, 'no-such-python3'));
    expect(status.userModelsDir).toBe(join(service.context.options.stateDir, 'models'));
    for (const text of [status.problem!, (await rejection('modelsTrain', { dataset: 'mnist' })).message]) {
      expect(text).toMatch(/no-such-python3" was not found/);
      expect(text).toContain(
        'apt-get install python3-torch python3-onnx python3-numpy libjemalloc2 libopenblas0-pthread',
      );
      expect(text).toContain('pip install torch onnx numpy');
      expect(text).toMatch(/about 10 minutes per model for MedNIST/);
      expect(text).toMatch(/less for MNIST/);
      expect(text).toMatch(/transformed for the active key need no training/);
    }
    expect((await rejection('modelsTrain', { dataset: 'mnist' })).code).toBe('DEPENDENCY_MISSING');
    expect((await call('jobsList')).jobs).toEqual([]);
    expect(status.options).toContainEqual({
      dataset: 'mednist',
      architecture: 'dcnn',
      defaultEpochs: 5,
      cpuSecondsPerEpoch: 110,
      datasetAvailable: false,
    });
    expect(
      status.options.find((o) => o.dataset === 'mnist' && o.architecture === 'bitplane-mlp'),
    ).toMatchObject({
      defaultEpochs: 30,
      datasetAvailable: true,
    });
  });

  it('says when the trainer itself is not installed', async () => {
    const root = await temporaryFolder('cipherlens-train-notrainer-');
    service = await startTestService({ trainerRoot: root });
    const status = await call('modelsTrainStatus');
    expect(status.available).toBe(false);
    expect(status.problem).toMatch(/Python trainer is not part of this installation/);
  });

  it('refuses at once a dataset that is not there, and a model of this key that exists, unless replacing', async () => {
    const root = await temporaryFolder('cipherlens-train-refusals-');
    const python = await fakePython(root, 'exit 3');
    service = await startTestService({ python, dataDir: await fakeMnistFolder(root) });
    expect(await call('modelsTrainStatus')).toMatchObject({
      available: true,
      problem: null,
      stack: { torch: '1.13.0' },
    });
    const noData = await rejection('modelsTrain', { dataset: 'mednist' });
    expect(noData.code).toBe('NOT_FOUND');
    expect(noData.message).toMatch(/MedNIST was not found in the data folder/);

    const fingerprint = service.context.activeKey().fingerprint;
    const id = userModelId('mnist', 'dcnn', fingerprint);
    expect(id).toBe(`mnist-dcnn-arnoldplusxor-key-${fingerprint}`);
    const card = JSON.parse(await readFile(join(FIXTURES, 'tiny-model.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await mkdir(service.context.userModelsDir, { recursive: true });
    await writeFile(join(service.context.userModelsDir, `${id}.json`), JSON.stringify({ ...card, id }));
    const exists = await rejection('modelsTrain', { dataset: 'mnist', architecture: 'dcnn' });
    expect(exists.code).toBe('BAD_INPUT');
    expect(exists.message).toMatch(/you already have .*trained for key .*"replace"/);
    expect((await call('jobsList')).jobs).toEqual([]);
  });
});

describe('trainingProgress', () => {
  it('turns trainer events into steps done of all steps, with the time left', () => {
    const seen: [number, number, string][] = [];
    let clock = 0;
    const onEvent = trainingProgress(
      { progress: (done, total, message = '') => seen.push([done, total, message]) },
      'MNIST DCNN',
      { defaultEpochs: 12, cpuSecondsPerEpoch: 25, labelSmoothing: 0.1 },
      55_000,
      () => clock,
    );
    onEvent({
      event: 'start',
      id: 'x',
      architecture: 'dcnn',
      dataset: 'mnist',
      condition: 'arnold+xor',
      device: 'cpu',
      threads: 2,
      jemalloc: true,
      parameters: 1,
      trainSize: 55_000,
      valSize: 5000,
      testSize: 10_000,
      epochs: 12,
      stepsPerEpoch: 430,
      totalSteps: 5160,
      resumedFromEpoch: 0,
    });
    expect(seen.at(-1)).toEqual([
      0,
      5160,
      expect.stringMatching(/55000 encrypted images, 12 epochs on cpu · about 5 min left \(estimate\)/),
    ]);
    clock = 60_000;
    onEvent({ event: 'step', epoch: 1, step: 516, totalSteps: 5160, loss: 0.5 });
    expect(seen.at(-1)).toEqual([516, 5160, 'epoch 1/12 · loss 0.500 · about 9 min left']);
    clock = 120_000;
    onEvent({
      event: 'epoch',
      epoch: 2,
      epochs: 12,
      step: 860,
      totalSteps: 5160,
      best: true,
      loss: 0.2,
      trainAccuracy: 0.9,
      valLoss: 0.2,
      valAccuracy: 0.955,
      valWeightedF1: 0.95,
      valMacroF1: 0.95,
      seconds: 60,
      lr: 0.001,
    });
    expect(seen.at(-1)).toEqual([
      860,
      5160,
      'epoch 2/12 done · validation accuracy 95.5% · about 10 min left',
    ]);
  });
});

describe.runIf(hasMnist || requireAll)('the train job (with a stand-in trainer)', () => {
  it('exports the dataset encrypted with the active key into the state folder, and cancelling kills the trainer and deletes the export', async () => {
    const root = await temporaryFolder('cipherlens-train-cancel-');
    const argsFile = join(root, 'trainer-args');
    const start =
      '{"event":"start","id":"x","architecture":"dcnn","dataset":"mnist","condition":"arnold+xor","device":"cpu",' +
      '"threads":2,"jemalloc":false,"parameters":1,"trainSize":55000,"valSize":5000,"testSize":10000,"epochs":12,' +
      '"stepsPerEpoch":430,"totalSteps":5160,"resumedFromEpoch":0}';
    const python = await fakePython(root, `echo "$@" > '${argsFile}'\necho '${start}'\nexec sleep 120`);
    service = await startTestService({ python, dataDir });
    const generated = await call('keysGenerate', { label: 'mine', activate: true });
    const { jobId } = await call('modelsTrain', { dataset: 'mnist' });
    const training = await waitFor(jobId, (job) => job.progress.message.startsWith('training'));
    expect(training.progress.total).toBe(5160);
    expect(training.progress.message).toMatch(
      /MNIST DCNN on 55000 encrypted images, 12 epochs on cpu · about \d+ min left/,
    );

    const args = (await readFile(argsFile, 'utf8')).trim().split(' ');
    const data = args[args.indexOf('--data') + 1]!;
    expect(data.startsWith(join(service.context.options.stateDir, 'cache', 'training'))).toBe(true);
    const manifest = JSON.parse(await readFile(join(data, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      dataset: 'mnist',
      condition: 'arnold+xor',
      keyFingerprint: generated.fingerprint,
    });
    expect(args[args.indexOf('--id') + 1]).toBe(`mnist-dcnn-arnoldplusxor-key-${generated.fingerprint}`);
    expect(args[args.indexOf('--epochs') + 1]).toBe('12');
    expect(args[args.indexOf('--label-smoothing') + 1]).toBe('0.1');
    expect(await rejection('modelsTrain', { dataset: 'mnist' })).toMatchObject({ code: 'BAD_INPUT' });
    expect((await call('modelsTrainStatus')).runningJobId).toBe(jobId);

    await call('jobsCancel', { jobId });
    const ended = await service.context.jobs.wait(jobId);
    expect(ended.status).toBe('cancelled');
    expect(ended.error?.code).toBe('CANCELLED');
    expect(existsSync(data)).toBe(false);
    expect(await readdir(join(service.context.options.stateDir, 'cache', 'training'))).toEqual([]);
    expect(
      existsSync(service.context.userModelsDir) ? await readdir(service.context.userModelsDir) : [],
    ).toEqual([]);
  }, 90_000);
});

describe.runIf((hasTorch && hasMnist) || requireAll)('the train job (real trainer, tiny budget)', () => {
  it('trains an MNIST DCNN for a new key, installs it among the user’s models and makes it active', async () => {
    service = await startTestService({ dataDir });
    const generated = await call('keysGenerate', { label: 'mine', activate: true });
    const messages: string[] = [];
    service.onJobEvent((job) => messages.push(job.progress.message));
    const { jobId } = await call('modelsTrain', {
      dataset: 'mnist',
      architecture: 'dcnn',
      epochs: 1,
      maxTrain: 300,
      maxVal: 100,
      maxTest: 100,
    });
    const ended = await service.context.jobs.wait(jobId);
    expect(ended.error).toBeNull();
    expect(ended.status).toBe('done');
    const result = ModelsTrainResultSchema.parse(ended.result);
    const id = `mnist-dcnn-arnoldplusxor-key-${generated.fingerprint}`;
    expect(result).toMatchObject({ keyFingerprint: generated.fingerprint, replaced: false, epochsRun: 1 });
    expect(result.model).toMatchObject({
      id,
      source: 'user',
      reads: 'trained-for-key',
      keyFingerprint: generated.fingerprint,
      condition: 'arnold+xor',
      inputSize: 28,
      compatible: true,
    });
    expect(messages.some((m) => /^encrypting MNIST with key [0-9a-f]{16}/.test(m))).toBe(true);
    expect(messages.some((m) => /^(epoch 1\/1|training MNIST DCNN on 300 encrypted images)/.test(m))).toBe(
      true,
    );

    expect((await readdir(service.context.userModelsDir)).sort()).toEqual([`${id}.json`, `${id}.onnx`]);
    expect(await readdir(join(service.context.options.stateDir, 'cache', 'training'))).toEqual([]);
    const list = await call('modelsList');
    expect(list.activeId).toBe(id);
    expect(list.models.find((m) => m.id === id)?.source).toBe('user');

    // Trained again without "replace": refused before any work; with it, replaced.
    expect((await rejection('modelsTrain', { dataset: 'mnist', epochs: 1 })).message).toMatch(/already have/);
  }, 120_000);
});
