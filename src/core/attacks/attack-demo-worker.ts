import { parentPort } from 'node:worker_threads';
import { serveWorkerJobs } from '../workers/worker-pool.js';
import { runAttackDemo, type AttackDemoInput, type AttackDemoResult } from './demo.js';

/** Runs one attack demonstration off the event loop (demo-pool.ts): seconds of CPU work at 64×64. */
export type AttackDemoJob = AttackDemoInput & { id: number };

serveWorkerJobs<AttackDemoJob, AttackDemoResult>(
  parentPort!,
  (job) => runAttackDemo(job),
  (result) => [
    result.grid.originals.buffer as ArrayBuffer,
    result.grid.ciphertexts.buffer as ArrayBuffer,
    ...result.grid.recovered.map((r) => r.pixels.buffer as ArrayBuffer),
  ],
  'INTERNAL',
);
