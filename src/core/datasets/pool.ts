/**
 * Runs async tasks with at most `limit` in flight. `add` waits for a free slot, which gives callers that
 * stream their input natural back-pressure. The first failure is rethrown by the next `add` or by `drain`.
 */
export interface TaskPool {
  add(task: () => Promise<void>): Promise<void>;
  drain(): Promise<void>;
}

export function createTaskPool(limit: number): TaskPool {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  const rethrow = (): void => {
    if (failure) throw failure.error;
  };
  return {
    async add(task) {
      while (inFlight.size >= limit) await Promise.race(inFlight);
      rethrow();
      const running: Promise<void> = task()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    },
    async drain() {
      await Promise.all(inFlight);
      rethrow();
    },
  };
}
