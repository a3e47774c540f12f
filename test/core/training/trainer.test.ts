import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY_FINGERPRINT, loadKeyFile } from '../../../src/core/crypto/keys.js';
import { readNpy, npyIntegers } from '../../../src/core/datasets/npy.js';
import { parseModelCard } from '../../../src/core/inference/model-card.js';
import type { TrainerEvent } from '../../../src/core/training/events.js';
import { resolvePython } from '../../../src/core/training/python.js';
import { modelId, runTrainer, trainerArguments } from '../../../src/core/training/trainer.js';
import { writeTinyExport } from './tiny-export.js';

const SIZE = 12;
const CLASSES = 3;

function torchAvailable(): boolean {
  const probe = spawnSync(resolvePython(), ['-c', 'import torch, onnx'], { stdio: 'ignore' });
  return probe.status === 0;
}
const hasTorch = torchAvailable();
if (!hasTorch) {
  console.warn(
    `\n*** SKIPPING the real-trainer tests: ${resolvePython()} cannot import torch and onnx ` +
      '(apt-get install python3-torch python3-onnx, or set CIPHERLENS_PYTHON) ***\n',
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cipherlens-trainer-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('trainerArguments', () => {
  it('passes absolute paths, only the options given, and this Node for the ONNX check', () => {
    const args = trainerArguments({ data: 'exp', architecture: 'mlp', out: 'models', epochs: 3, resume: true, verify: false });
    expect(args.slice(0, 3)).toEqual(['-m', 'training.train', '--data']);
    expect(args[3]).toBe(join(process.cwd(), 'exp'));
    expect(args).toContain('--resume');
    expect(args).toContain('--no-verify');
    expect(args[args.indexOf('--epochs') + 1]).toBe('3');
    expect(args[args.indexOf('--node') + 1]).toBe(process.execPath);
    expect(args).not.toContain('--seed');
    expect(args).not.toContain('--label-smoothing');
  });

  it('passes label smoothing through to the trainer', () => {
    const args = trainerArguments({ data: 'exp', architecture: 'bitplane-mlp', out: 'models', labelSmoothing: 0.1 });
    expect(args[args.indexOf('--label-smoothing') + 1]).toBe('0.1');
  });
});

describe('runTrainer', () => {
  it('refuses a directory without manifest.json before starting Python', async () => {
    await expect(runTrainer({ data: join(dir, 'nothing'), architecture: 'dcnn', out: dir })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it.runIf(hasTorch)('passes on the trainer’s own error code and message', async () => {
    const broken = join(dir, 'broken-export');
    await writeTinyExport({ outDir: broken, size: SIZE, classes: CLASSES, count: 60, condition: 'plain' });
    const manifestPath = join(broken, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    await writeFile(manifestPath, JSON.stringify({ ...manifest, version: 7 }));
    const attempt = runTrainer({ data: broken, architecture: 'mlp', out: join(dir, 'broken-out') });
    await expect(attempt).rejects.toMatchObject({ code: 'BAD_FORMAT' });
    await expect(attempt).rejects.toThrow(/version 7 is not supported/);
  });

  it.runIf(hasTorch)(
    'trains on a real encrypted export; the ONNX model runs in onnxruntime-node and agrees with its card',
    async () => {
      const key = await loadKeyFile('resources/keys/demo.key');
      const data = join(dir, 'tiny-arnold+xor');
      const manifest = await writeTinyExport({
        outDir: data,
        size: SIZE,
        classes: CLASSES,
        count: 300,
        condition: 'arnold+xor',
        key,
      });
      const events: TrainerEvent[] = [];
      const out = join(dir, 'models');
      const result = await runTrainer({
        data,
        architecture: 'dcnn',
        out,
        epochs: 2,
        batchSize: 32,
        onEvent: (event) => events.push(event),
      });

      const id = modelId('tiny-bars', 'dcnn', 'arnold+xor');
      expect(result.id).toBe('tiny-bars-dcnn-arnoldplusxor');
      expect(result.id).toBe(id);
      expect(result.skipped).toBe(false);
      expect(result.epochsRun).toBe(2);
      expect(events[0]?.event).toBe('start');
      expect(events.filter((e) => e.event === 'epoch')).toHaveLength(2);
      expect(events.at(-1)?.event).toBe('done');
      const exported = events.find((e) => e.event === 'export');
      expect(exported?.event === 'export' && exported.maxAbsDiffVsTorch).toBeLessThan(1e-3);

      const card = parseModelCard(JSON.parse(await readFile(result.cardPath, 'utf8')), result.cardPath);
      expect(card.keyFingerprint).toBe(DEMO_KEY_FINGERPRINT);
      expect(card.arnoldParametersId).toBe(manifest.arnoldParametersId);
      expect(card.condition).toBe('arnold+xor');
      expect(card.classes).toEqual(manifest.classes);
      expect(card.inputSize).toBe(SIZE);

      const session = await ort.InferenceSession.create(result.onnxPath);
      expect(session.inputNames).toEqual(['image']);
      expect(session.outputNames).toEqual(['logits', 'embedding']);
      const images = await readNpy(join(data, 'test-images.npy'));
      const labels = npyIntegers(await readNpy(join(data, 'test-labels.npy')));
      const count = labels.length;
      const outputs = await session.run({ image: new ort.Tensor('uint8', images.data, [count, 1, SIZE, SIZE]) });
      const logits = outputs.logits!;
      const embedding = outputs.embedding!;
      expect(logits.dims).toEqual([count, CLASSES]);
      expect(embedding.dims).toEqual([count, 512]);
      const scores = logits.data as Float32Array;
      let correct = 0;
      for (let i = 0; i < count; i++) {
        const row = Array.from(scores.subarray(i * CLASSES, (i + 1) * CLASSES));
        if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
      }
      // The card's test accuracy was measured in PyTorch on the same split; the ONNX graph must reproduce it.
      expect(correct / count).toBeCloseTo(card.metrics.test?.accuracy ?? -1, 10);
      await session.release();

      const again = await runTrainer({ data, architecture: 'dcnn', out, epochs: 2, batchSize: 32, resume: true });
      expect(again.skipped).toBe(true);
      expect(again.metrics).toEqual(result.metrics);
    },
    120_000,
  );
});
