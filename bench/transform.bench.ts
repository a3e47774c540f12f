/**
 * Key activation → models ready: the key transform of each shipped plain bit-plane model (src/core/inference/
 * key-transform.ts; target < 1 s at 64×64), the whole derivation (read, SHA-256 check, transform) and opening the
 * derived graph in ONNX Runtime, against an independent NumPy implementation with preallocated buffers in the same
 * run (bench/peers/numpy_transform.py), whose rewritten tensors must match byte for byte.
 * Writes bench/results/transform.json.   npm run bench -- transform   (CIPHERLENS_BENCH_RUNS=N, default 15)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { cipherTables } from '../src/core/crypto/cipher.js';
import { generateKey } from '../src/core/crypto/keys.js';
import { isTransformable, transformModel, TRANSFORM_CONDITION } from '../src/core/inference/key-transform.js';
import { deriveTransformedModel } from '../src/core/inference/model-catalog.js';
import { listModels } from '../src/core/inference/model-files.js';
import { benchRecorder } from './results-file.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.CIPHERLENS_BENCH_RUNS ?? 15);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function timeRuns(work: () => Promise<unknown> | unknown): Promise<number> {
  await work();
  const seconds: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await work();
    seconds.push((performance.now() - started) / 1000);
  }
  return median(seconds);
}

function tensorsDigest(model: Uint8Array, names: string[]): string {
  const graph = onnxProto.onnx.ModelProto.decode(model).graph!;
  const digest = createHash('sha256');
  for (const name of names) digest.update(graph.initializer!.find((t) => t.name === name)!.rawData!);
  return digest.digest('hex');
}

export async function run(): Promise<void> {
  const recorder = benchRecorder();
  const work = await mkdtemp(join(tmpdir(), 'cl-bench-transform-'));
  const rows = [];
  try {
    const key = generateKey('bench');
    for (const plain of (await listModels()).filter((model) => isTransformable(model.card))) {
      const { card } = plain;
      const spec = card.transformable!;
      const bytes = new Uint8Array(await readFile(plain.onnxPath));
      const transformSeconds = await timeRuns(() => transformModel(bytes, card, key));
      const deriveSeconds = await timeRuns(() => deriveTransformedModel(plain, key));
      const derived = transformModel(bytes, card, key);
      const sessionSeconds = await timeRuns(async () => {
        const session = await ort.InferenceSession.create(derived.onnx, { intraOpNumThreads: 1 });
        await session.release();
      });

      const { gather, keystream } = cipherTables(key, TRANSFORM_CONDITION, card.inputSize);
      const gatherPath = join(work, `${card.id}.gather.i32`);
      const keystreamPath = join(work, `${card.id}.keystream.u8`);
      await writeFile(gatherPath, new Uint8Array(gather!.buffer, gather!.byteOffset, gather!.byteLength));
      await writeFile(keystreamPath, keystream!);
      const peer = spawnSync(
        '/usr/bin/python3',
        [
          join(here, 'peers', 'numpy_transform.py'),
          ...['--model', plain.onnxPath, '--gather', gatherPath, '--keystream', keystreamPath],
          ...[
            '--pixel-weight',
            spec.pixelWeight,
            '--pixel-bias',
            spec.pixelBias,
            '--next-weight',
            spec.nextWeight,
          ],
          ...['--runs', String(RUNS)],
        ],
        { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
      );
      const numpy =
        peer.status === 0
          ? (JSON.parse(peer.stdout) as {
              rewriteSeconds: number;
              fullSeconds: number;
              tensorsSha256: string;
            })
          : null;
      if (!numpy) process.stdout.write(`NumPy peer unavailable: ${peer.stderr || peer.error?.message}\n`);
      const ours = tensorsDigest(derived.onnx, [spec.pixelWeight, spec.pixelBias, spec.nextWeight]);
      const row = {
        model: card.id,
        inputSize: card.inputSize,
        onnxBytes: bytes.length,
        transformSeconds,
        deriveSeconds,
        sessionOpenSeconds: sessionSeconds,
        activationToReadySeconds: deriveSeconds + sessionSeconds,
        numpy: numpy && {
          rewriteSeconds: numpy.rewriteSeconds,
          fullSeconds: numpy.fullSeconds,
          tensorsMatch: numpy.tensorsSha256 === ours,
        },
        targetSeconds: card.inputSize === 64 ? 1 : null,
      };
      rows.push(row);
      process.stdout.write(
        `${card.id} (${card.inputSize}×${card.inputSize}): transform ${(transformSeconds * 1000).toFixed(0)} ms, ` +
          `derive ${(deriveSeconds * 1000).toFixed(0)} ms, session ${(sessionSeconds * 1000).toFixed(0)} ms` +
          (numpy
            ? `; NumPy full ${(numpy.fullSeconds * 1000).toFixed(0)} ms (rewrite ${(numpy.rewriteSeconds * 1000).toFixed(1)} ms), tensors ${row.numpy!.tensorsMatch ? 'identical' : 'DIFFER'}`
            : '') +
          '\n',
      );
    }
    await recorder.write('transform', {
      benchmark: 'key transform of plain bit-plane models',
      runs: RUNS,
      rows,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
