import { randomBytes } from 'node:crypto';
import { CipherLensError, describeError, isCipherLensError } from '../core/errors.js';
import { fromFsError } from '../core/fs/errors.js';
import type { JobState } from '../shared/system.js';

export type JobKind = JobState['kind'];

export interface JobContext {
  readonly signal: AbortSignal;
  progress(done: number, total: number, message?: string): void;
}

const KEEP_FINISHED = 100;
/** Progress events are sent at most this often per job; state changes are always sent. */
const PROGRESS_INTERVAL_MS = 100;

/** Long operations run here: each gets an id, progress, cancellation, and one final state with its result. */
/** The fields every long-running operation starts with (a job, the workspace re-key): running, nothing done yet. */
export function runningJobFields(): Pick<
  JobState,
  'status' | 'startedAt' | 'finishedAt' | 'progress' | 'error'
> & {
  result: null;
} {
  return {
    status: 'running',
    startedAt: new Date().toISOString(),
    finishedAt: null,
    progress: { done: 0, total: 0, message: 'starting' },
    error: null,
    result: null,
  };
}

export class JobManager {
  private readonly jobs = new Map<
    string,
    { state: JobState; controller: AbortController; done: Promise<JobState> }
  >();
  private readonly listeners = new Set<(event: JobState) => void>();
  private readonly startGuards: ((kind: JobKind) => void)[] = [];

  /** `guard` runs before every job starts and refuses it by throwing (e.g. while the workspace is re-keyed). */
  addStartGuard(guard: (kind: JobKind) => void): void {
    this.startGuards.push(guard);
  }

  start(kind: JobKind, run: (context: JobContext) => Promise<unknown>): string {
    for (const guard of this.startGuards) guard(kind);
    const id = randomBytes(9).toString('base64url');
    const controller = new AbortController();
    const state: JobState = { id, kind, ...runningJobFields() };
    let lastSent = 0;
    const context: JobContext = {
      signal: controller.signal,
      progress: (done, total, message = state.progress.message) => {
        state.progress = { done, total, message };
        const now = Date.now();
        if (now - lastSent >= PROGRESS_INTERVAL_MS || done === total) {
          lastSent = now;
          this.emit(state);
        }
      },
    };
    const done = (async (): Promise<JobState> => {
      await Promise.resolve();
      try {
        state.result = (await run(context)) ?? null;
        state.status = 'done';
      } catch (thrown) {
        const error = await fromFsError(thrown);
        const cancelled =
          controller.signal.aborted || (isCipherLensError(error) && error.code === 'CANCELLED');
        state.status = cancelled ? 'cancelled' : 'failed';
        state.error = {
          code: isCipherLensError(error) ? error.code : 'INTERNAL',
          message: cancelled && !isCipherLensError(error) ? 'cancelled' : describeError(error),
        };
      }
      state.finishedAt = new Date().toISOString();
      this.emit(state);
      this.prune();
      return state;
    })();
    this.jobs.set(id, { state, controller, done });
    this.emit(state);
    return id;
  }

  get(id: string): JobState {
    const job = this.jobs.get(id);
    if (!job) throw new CipherLensError('NOT_FOUND', `no job with id ${id}`);
    return { ...job.state };
  }

  list(): JobState[] {
    return [...this.jobs.values()].map((job) => ({ ...job.state }));
  }

  running(kind?: JobKind): JobState[] {
    return this.list().filter((job) => job.status === 'running' && (kind === undefined || job.kind === kind));
  }

  cancel(id: string): void {
    const job = this.jobs.get(id);
    if (!job) throw new CipherLensError('NOT_FOUND', `no job with id ${id}`);
    job.controller.abort();
  }

  /** Resolves with the final state (tests and hosts shutting down). */
  async wait(id: string): Promise<JobState> {
    const job = this.jobs.get(id);
    if (!job) throw new CipherLensError('NOT_FOUND', `no job with id ${id}`);
    return { ...(await job.done) };
  }

  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()].filter((job) => job.state.status === 'running');
    for (const job of running) job.controller.abort();
    await Promise.allSettled(running.map((job) => job.done));
  }

  onEvent(listener: (event: JobState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(state: JobState): void {
    const snapshot = { ...state, progress: { ...state.progress } };
    for (const listener of this.listeners) listener(snapshot);
  }

  private prune(): void {
    const finished = [...this.jobs.entries()].filter(([, job]) => job.state.status !== 'running');
    for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(id);
  }
}
