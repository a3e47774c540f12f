/**
 * The embedding map's layouts (src/core/retrieval/projection.ts): PCA to 2-D (computed in the request) and UMAP
 * (the map-umap job) of synthetic 512-d embeddings in ten clusters, the shape of a model's penultimate layer.
 * Writes bench/results/projection.json.   npm run bench -- projection   (CIPHERLENS_BENCH_RUNS=N, default 3)
 */
import { pca, seededRandom, umap, type Matrix } from '../src/core/retrieval/projection.js';
import { benchRecorder } from './results-file.js';

const RUNS = Number(process.env.CIPHERLENS_BENCH_RUNS ?? 3);
const DIMENSION = 512;
const PCA_SIZES = [1_000, 5_000, 20_000];
const UMAP_SIZES = [1_000, 5_000];

/** Ten clusters: row r leans on the dimensions ≡ r mod 10, plus uniform noise. */
function embeddings(rows: number): Matrix {
  const random = seededRandom(rows);
  const data = new Float32Array(rows * DIMENSION);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < DIMENSION; col++) {
      data[row * DIMENSION + col] = random() - 0.5 + (col % 10 === row % 10 ? 2 : 0);
    }
  }
  return { data, rows, cols: DIMENSION };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function seconds(runs: number, work: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    times.push((performance.now() - started) / 1000);
  }
  return median(times);
}

export async function run(): Promise<void> {
  const recorder = benchRecorder();
  const pcaRows = [];
  for (const rows of PCA_SIZES) {
    const matrix = embeddings(rows);
    const took = await seconds(RUNS, () => pca(matrix, 2));
    pcaRows.push({ points: rows, dimension: DIMENSION, seconds: took });
    process.stdout.write(`PCA ${rows} × ${DIMENSION}: ${took.toFixed(3)} s\n`);
  }
  const umapRows = [];
  for (const rows of UMAP_SIZES) {
    const matrix = embeddings(rows);
    // UMAP takes seconds to minutes: one run each.
    const took = await seconds(1, () => umap(matrix));
    umapRows.push({ points: rows, dimension: DIMENSION, seconds: took });
    process.stdout.write(`UMAP ${rows} × ${DIMENSION}: ${took.toFixed(2)} s\n`);
  }
  await recorder.write('projection', { runs: RUNS, pca: pcaRows, umap: umapRows });
}
