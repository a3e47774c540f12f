import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrng } from '../src/core/datasets/prng.js';
import { adjacentCorrelations } from '../src/core/security/correlation.js';
import { WasmDifferentialKernel, wasmKernelsAvailable } from '../src/core/crypto/wasm-kernels.js';
import { npcrUaciSums } from '../src/core/security/differential.js';
import { shannonEntropy } from '../src/core/security/entropy.js';
import { histogram256 } from '../src/core/security/histogram.js';

// Metric throughput (images/s, one core) of the security metrics next to a vectorised numpy peer run on the
// same images in the same benchmark. Both sides report checksums of their results, which must agree.

const here = dirname(fileURLToPath(import.meta.url));
const PEER = join(here, 'peers', 'numpy_metrics.py');
const PYTHON = '/usr/bin/python3';
const REPEATS = 5;
const CASES = [
  { size: 28, count: 20_000 },
  { size: 64, count: 5_000 },
  { size: 256, count: 300 },
];
const METRICS = ['histogram', 'entropy', 'correlation', 'npcrUaci'] as const;
type Metric = (typeof METRICS)[number];

interface Timing {
  seconds: number;
  checksum: number;
}

function randomImages(count: number, pixels: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(count * pixels);
  const words = new Uint32Array(bytes.buffer);
  const prng = createPrng(seed);
  for (let i = 0; i < words.length; i++) words[i] = prng.nextUint32();
  return bytes;
}

function jsWork(metric: Metric, a: Uint8Array, b: Uint8Array, size: number, count: number): () => number {
  const pixels = size * size;
  const counts = new Uint32Array(256);
  const image = (set: Uint8Array, i: number): Uint8Array => set.subarray(i * pixels, (i + 1) * pixels);
  switch (metric) {
    case 'histogram':
      return () => {
        let check = 0;
        for (let i = 0; i < count; i++) check += histogram256(image(a, i), counts)[0]!;
        return check;
      };
    case 'entropy':
      return () => {
        let check = 0;
        for (let i = 0; i < count; i++) check += shannonEntropy(image(a, i));
        return check;
      };
    case 'correlation':
      return () => {
        let check = 0;
        for (let i = 0; i < count; i++) {
          const r = adjacentCorrelations(image(a, i), size);
          check += (r.horizontal ?? 0) + (r.vertical ?? 0) + (r.diagonal ?? 0);
        }
        return check;
      };
    case 'npcrUaci': {
      // One batched call over all pairs into arrays allocated once, as the peer preallocates its buffers.
      const sums = { changedPixels: new Uint32Array(count), absoluteDifference: new Uint32Array(count) };
      const kernel = wasmKernelsAvailable(pixels) ? new WasmDifferentialKernel(pixels) : undefined;
      return () => {
        npcrUaciSums(a, b, pixels, sums, kernel);
        let check = 0;
        for (let i = 0; i < count; i++) {
          check +=
            (100 * sums.changedPixels[i]!) / pixels + (100 * sums.absoluteDifference[i]!) / (255 * pixels);
        }
        return check;
      };
    }
  }
}

function timeJs(work: () => number): Timing {
  work(); // warm-up: let V8 optimise the loop before timing
  let best = Infinity;
  let checksum = 0;
  for (let r = 0; r < REPEATS; r++) {
    const started = process.hrtime.bigint();
    checksum = work();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return { seconds: best, checksum };
}

interface PeerOutput {
  numpy: string;
  chunk: number;
  results: Record<Metric, Timing>;
}

function runPeer(file: string, size: number, count: number): PeerOutput | { error: string } {
  const result = spawnSync(PYTHON, [PEER, file, String(size), String(count), String(REPEATS)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  if (result.error) return { error: `cannot run ${PYTHON}: ${result.error.message}` };
  if (result.status !== 0) return { error: `numpy peer failed: ${result.stderr.trim().slice(-500)}` };
  return JSON.parse(result.stdout) as PeerOutput;
}

const agree = (x: number, y: number): boolean =>
  Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));

const loadAverage = (): number[] => loadavg().map((x) => Number(x.toFixed(2)));

export async function run(): Promise<void> {
  const loadAverageAtStart = loadAverage();
  const scratch = await mkdtemp(join(tmpdir(), 'cipherlens-bench-security-'));
  const rows = [];
  let numpyVersion: string | null = null;
  try {
    for (const { size, count } of CASES) {
      const pixels = size * size;
      const both = randomImages(2 * count, pixels, size);
      const a = both.subarray(0, count * pixels);
      const b = both.subarray(count * pixels);
      const file = join(scratch, `images-${size}.u8`);
      await writeFile(file, both);
      const peer = runPeer(file, size, count);
      if ('numpy' in peer) numpyVersion = peer.numpy;
      for (const metric of METRICS) {
        const js = timeJs(jsWork(metric, a, b, size, count));
        const numpy = 'results' in peer ? peer.results[metric] : null;
        const jsRate = count / js.seconds;
        const numpyRate = numpy ? count / numpy.seconds : null;
        rows.push({
          metric,
          size,
          images: count,
          jsImagesPerSecond: Math.round(jsRate),
          numpyImagesPerSecond: numpyRate === null ? null : Math.round(numpyRate),
          ratio: numpyRate === null ? null : Number((jsRate / numpyRate).toFixed(2)),
          checksumsAgree: numpy ? agree(js.checksum, numpy.checksum) : null,
          ...('error' in peer ? { peerError: peer.error } : {}),
        });
        const last = rows[rows.length - 1]!;
        process.stdout.write(
          `${metric.padEnd(12)} ${String(size).padStart(3)}×${String(size).padEnd(3)} ` +
            `ts ${String(last.jsImagesPerSecond).padStart(9)} img/s   numpy ${String(last.numpyImagesPerSecond ?? 'n/a').padStart(9)} img/s` +
            `   ratio ${String(last.ratio ?? 'n/a').padStart(6)}   checksums ${last.checksumsAgree ? 'agree' : 'DIFFER'}\n`,
        );
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const result = {
    name: 'security',
    description:
      'Security-metric throughput, images per second on one core: TypeScript (per image, src/core/security) vs numpy ' +
      '(bench/peers/numpy_metrics.py, vectorised over chunks with preallocated buffers). ratio = ts / numpy. ' +
      'correlation = all-pairs H, V and D together; npcrUaci = both measures per image pair, all pairs in one batched call (npcrUaciSums, WebAssembly SIMD).',
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      numpy: numpyVersion,
      // Other jobs share these cores: the load averages say how contended the run was.
      loadAverageAtStart,
      loadAverageAtEnd: loadAverage(),
    },
    repeats: REPEATS,
    timing: 'best of repeats after one warm-up run, same random images on both sides',
    results: rows,
  };
  await mkdir(join(here, 'results'), { recursive: true });
  await writeFile(join(here, 'results', 'security.json'), `${JSON.stringify(result, null, 2)}\n`);
}
