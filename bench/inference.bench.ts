/**
 * Inference throughput of ONNX Runtime (onnxruntime-node, CPU) against PyTorch CPU inference of the same model in
 * the same run: images/s at batch 1 and 256 with 1 and 2 threads (target ≥ 2× PyTorch). The model is a shipped
 * MedNIST DCNN when one exists (PyTorch loads `<id>.pt` beside it when the training team saves one; otherwise
 * both runtimes run the same architecture with seeded random weights, exported to ONNX here — speed does not
 * depend on the weights' values). Writes bench/results/inference.json.
 *   npm run bench -- inference      (CIPHERLENS_BENCH_MODEL=<id> picks a model, CIPHERLENS_BENCH_SECONDS=N)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelCard, type ModelCard } from '../src/core/inference/model-card.js';
import { preferredModel } from '../src/core/inference/model-catalog.js';
import { listModels, type ModelFiles } from '../src/core/inference/model-files.js';
import { openModelRunner } from '../src/core/inference/model-runner.js';

const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.CIPHERLENS_BENCH_SECONDS ?? 3);
const BATCHES = [1, 256];
const THREADS = [1, 2];
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const REFERENCE_IMAGES = 8;

interface Rate {
  threads: number;
  batch: number;
  runs: number;
  seconds: number;
  imagesPerSecond: number;
}

/** The peer's reference batch: byte i = ((i · 2654435761) mod 2^32 >>> 13) & 255. */
function referenceBatch(size: number): Uint8Array {
  const out = new Uint8Array(REFERENCE_IMAGES * size * size);
  for (let i = 0; i < out.length; i++) out[i] = (Math.imul(i, 2654435761) >>> 13) & 255;
  return out;
}

async function chooseModel(): Promise<ModelFiles | null> {
  const models = await listModels();
  const wanted = process.env.CIPHERLENS_BENCH_MODEL;
  if (wanted) return models.find((m) => m.card.id === wanted) ?? null;
  return preferredModel(models);
}

/** A card for a model exported here (random weights), so it runs through the same runner as shipped ones. */
function benchCard(base: ModelCard | null, onnxFile: string, sha256: string): ModelCard {
  return parseModelCard({
    ...(base ?? {
      format: 'cipherlens-model',
      version: 1,
      architecture: 'dcnn',
      dataset: 'mednist',
      classes: ['AbdomenCT', 'BreastMRI', 'CXR', 'ChestCT', 'Hand', 'HeadCT'],
      inputSize: 64,
      embeddingDim: 512,
      condition: 'plain',
      keyFingerprint: null,
      encryptionSpecVersion: 1,
      arnoldParametersId: null,
      splitSeed: 42,
      training: {},
      metrics: {},
      createdAt: new Date().toISOString(),
    }),
    id: 'bench-random-weights',
    onnx: { file: onnxFile, opset: 17, sha256, maxAbsDiffVsTorch: null },
  });
}

async function ortRates(
  onnxPath: string,
  card: ModelCard,
): Promise<{ rates: Rate[]; reference: Float32Array }> {
  const size = card.inputSize;
  const rates: Rate[] = [];
  let reference = new Float32Array(0);
  for (const threads of THREADS) {
    const runner = await openModelRunner(onnxPath, card, { provider: 'cpu', threads, log: () => undefined });
    try {
      if (reference.length === 0) {
        const out = await runner.run(referenceBatch(size), { batchSize: REFERENCE_IMAGES });
        reference = Float32Array.from([...out.logits, ...out.embeddings]);
      }
      for (const batch of BATCHES) {
        const images = new Uint8Array(batch * size * size).map((_, i) => (i * 7919) & 255);
        for (let w = 0; w < 3; w++) await runner.run(images, { batchSize: batch });
        let runs = 0;
        const started = performance.now();
        let elapsed = 0;
        while (elapsed < SECONDS * 1000 || runs < 3) {
          await runner.run(images, { batchSize: batch });
          runs++;
          elapsed = performance.now() - started;
        }
        rates.push({
          threads,
          batch,
          runs,
          seconds: elapsed / 1000,
          imagesPerSecond: (runs * batch) / (elapsed / 1000),
        });
        process.stdout.write(
          `onnxruntime ${threads} thread(s), batch ${batch}: ${rates.at(-1)!.imagesPerSecond.toFixed(0)} images/s\n`,
        );
      }
    } finally {
      await runner.close();
    }
  }
  return { rates, reference };
}

export async function run(): Promise<void> {
  const loadBefore = loadavg();
  const shipped = await chooseModel();
  const work = await mkdtemp(join(tmpdir(), 'cl-bench-infer-'));
  try {
    const weights = shipped ? join(dirname(shipped.onnxPath), `${shipped.card.id}.pt`) : null;
    const trained = Boolean(shipped && weights && existsSync(weights));
    const card = shipped?.card ?? null;
    const training = (card?.training ?? {}) as { pixelMean?: number; pixelStd?: number };
    const architecture = card?.architecture ?? 'dcnn';
    const size = card?.inputSize ?? 64;
    const classes = card?.classes.length ?? 6;
    const referencePath = join(work, 'reference.bin');
    const exportPath = join(work, 'bench-random-weights.onnx');
    const args = [
      join(here, 'peers', 'torch_infer.py'),
      '--architecture',
      architecture,
      '--size',
      String(size),
      '--classes',
      String(classes),
      '--mean',
      String(training.pixelMean ?? 127.5),
      '--std',
      String(training.pixelStd ?? 73.9),
      '--batches',
      BATCHES.join(','),
      '--threads',
      THREADS.join(','),
      '--seconds',
      String(SECONDS),
      '--reference',
      referencePath,
      ...(trained ? ['--weights', weights!] : ['--export-onnx', exportPath]),
    ];
    const env = {
      ...process.env,
      OMP_NUM_THREADS: '2',
      ...(existsSync(JEMALLOC) ? { LD_PRELOAD: JEMALLOC } : {}),
    };
    process.stdout.write(
      `pytorch peer: ${architecture} ${size}×${size}, ${trained ? 'trained weights' : 'random weights'}\n`,
    );
    const peer = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 });
    if (peer.status !== 0) throw new Error(`torch peer failed (${peer.status}): ${peer.stderr.slice(-800)}`);
    const torch = JSON.parse(peer.stdout) as {
      torch: string;
      build: Record<string, unknown>;
      weights: string;
      jemalloc: boolean;
      parameters: number;
      results: Rate[];
    };
    for (const r of torch.results) {
      process.stdout.write(
        `pytorch ${r.threads} thread(s), batch ${r.batch}: ${r.imagesPerSecond.toFixed(0)} images/s\n`,
      );
    }

    let onnxPath: string;
    let ortCard: ModelCard;
    if (trained && shipped) {
      onnxPath = shipped.onnxPath;
      ortCard = shipped.card;
    } else {
      // Same architecture and the very weights the peer used, exported by the peer.
      const bytes = await readFile(exportPath);
      onnxPath = exportPath;
      ortCard = benchCard(
        card,
        'bench-random-weights.onnx',
        createHash('sha256').update(bytes).digest('hex'),
      );
      await writeFile(join(work, 'bench-random-weights.json'), JSON.stringify(ortCard));
    }
    const ort = await ortRates(onnxPath, ortCard);
    const torchReference = new Float32Array((await readFile(referencePath)).buffer.slice(0));
    let maxAbsDiff = 0;
    for (let i = 0; i < torchReference.length; i++)
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(torchReference[i]! - ort.reference[i]!));

    const comparisons = ort.rates.map((o) => {
      const t = torch.results.find((r) => r.threads === o.threads && r.batch === o.batch);
      return {
        threads: o.threads,
        batch: o.batch,
        onnxruntimeImagesPerSecond: o.imagesPerSecond,
        pytorchImagesPerSecond: t?.imagesPerSecond ?? null,
        speedup: t ? o.imagesPerSecond / t.imagesPerSecond : null,
      };
    });
    const result = {
      bench: 'inference',
      createdAt: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
      loadAverage: { before: loadBefore, after: loadavg() },
      model: {
        id: shipped?.card.id ?? null,
        architecture,
        inputSize: size,
        classes,
        parameters: torch.parameters,
        weights: trained
          ? 'trained (<id>.pt)'
          : shipped
            ? `random (no ${shipped.card.id}.pt beside the shipped model; same architecture)`
            : 'random (no shipped model yet)',
        onnx: trained ? shipped!.onnxPath : 'exported by the peer from the same seeded weights',
        maxAbsDiffOrtVsTorch: maxAbsDiff,
      },
      method: `images/s over ≥ ${SECONDS} s per setting after 3 warm-up runs; ONNX Runtime through ModelRunner.run (the engine's worker code path, softmax included), CPU provider, intraOpNumThreads = threads; PyTorch ${torch.torch} eval + inference_mode, set_num_threads = threads${torch.jemalloc ? ', jemalloc' : ''}`,
      pytorchBuild: torch.build,
      comparisons,
      target: { speedup: '≥ 2× PyTorch', met: comparisons.every((c) => (c.speedup ?? 0) >= 2) },
    };
    await mkdir(join(here, 'results'), { recursive: true });
    await writeFile(join(here, 'results', 'inference.json'), `${JSON.stringify(result, null, 2)}\n`);
    for (const c of comparisons) {
      process.stdout.write(
        `threads ${c.threads}, batch ${c.batch}: onnxruntime/pytorch = ${c.speedup?.toFixed(2) ?? '?'}×\n`,
      );
    }
    process.stdout.write(
      `max |ort − torch| on the reference batch: ${maxAbsDiff.toExponential(2)}\nwrote bench/results/inference.json\n`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
