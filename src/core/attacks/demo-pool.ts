import type { ErrorCode } from '../errors.js';
import { WorkerPool } from '../workers/worker-pool.js';
import type { AttackDemoInput, AttackDemoResult } from './demo.js';

/**
 * Runs the attack demonstration in a worker thread, so the back end keeps answering while it works. One worker for
 * one run: the pool is made for the call and closed after it, so nothing outlives the request; `signal` stops it.
 */
export async function runAttackDemoOffLoop(
  input: AttackDemoInput,
  signal?: AbortSignal,
): Promise<AttackDemoResult> {
  const pool = new WorkerPool<AttackDemoInput, AttackDemoResult>({
    callerUrl: import.meta.url,
    entry: 'attack-demo-worker',
    size: 1,
    failureCode: 'INTERNAL' satisfies ErrorCode,
    what: 'the attack demonstration',
  });
  try {
    // Cancelling stops the worker mid-attack (WorkerPool terminates it), not only after it finishes.
    return await pool.run(input, signal ? { signal } : {});
  } finally {
    await pool.close();
  }
}
