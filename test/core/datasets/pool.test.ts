import { describe, expect, it } from 'vitest';
import { createTaskPool } from '../../../src/core/datasets/pool.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('createTaskPool', () => {
  it('never runs more than the limit at once and finishes every task', async () => {
    const pool = createTaskPool(3);
    let running = 0;
    let peak = 0;
    let finished = 0;
    for (let i = 0; i < 20; i++) {
      await pool.add(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(1 + (i % 4));
        running--;
        finished++;
      });
    }
    await pool.drain();
    expect(peak).toBe(3);
    expect(finished).toBe(20);
  });

  it('surfaces the first failure from a later add and from drain, without starting more work', async () => {
    const pool = createTaskPool(2);
    await pool.add(async () => {
      await sleep(2);
      throw new Error('first');
    });
    await pool.add(async () => {
      await sleep(6);
      throw new Error('second');
    });
    let started = 0;
    await expect(
      (async () => {
        for (let i = 0; i < 5; i++) {
          await pool.add(async () => {
            started++;
          });
        }
      })(),
    ).rejects.toThrow('first');
    expect(started).toBe(0);
    await expect(pool.drain()).rejects.toThrow('first');
  });
});
