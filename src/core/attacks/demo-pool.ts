import type { ErrorCode } from '../errors.js';
import { WorkerPool } from '../workers/worker-pool.js';
import type { AttackDemoInput, AttackDemoResult } from './demo.js';

/**
 * Runs the attack demonstration in a worker thread, so the back end keeps answering while it works. One worker for
 * one run: the pool is made for the call and closed after it, so nothing outlives the request.
 */
export async function runAttackDemoOffLoop(input: AttackDemoInput): Promise<AttackDemoResult> {
  const pool = new WorkerPool<AttackDemoInput, AttackDemoResult>({
    callerUrl: import.meta.url,
    entry: 'attack-demo-worker',
    size: 1,
    failureCode: 'INTERNAL' satisfies ErrorCode,
    what: 'the attack demonstration',
  });
  try {
    return await pool.run(input);
  } finally {
    await pool.close();
  }
}
