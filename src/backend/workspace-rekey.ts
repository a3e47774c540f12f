import { CipherLensError, describeError, isCipherLensError } from '../core/errors.js';
import type { WorkspaceRekeyState, WorkspaceRekeySummary } from '../shared/workspace.js';
import { runningJobFields, type JobContext, type JobKind, type JobManager } from './jobs.js';

const JOB_WORDS: Partial<Record<JobKind, string>> = {
  'import-paths': 'import',
  'import-dataset': 'import',
  'classify-batch': 'classify',
  'index-build': 'build the retrieval index',
  'map-umap': 'compute the embedding map',
  evaluate: 'evaluate',
};

interface Run {
  workspacePath: string;
  state: WorkspaceRekeyState;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The key rotation of the workspace, at most one at a time. It runs like a job (progress, cancel, a final
 * state with its result) and owns the workspace while it runs: no job may start, and none may be running when
 * it starts, because they read the images it rewrites.
 */
export class WorkspaceRekeys {
  private last: Run | null = null;

  constructor(private readonly jobs: JobManager) {
    jobs.addStartGuard((kind) => this.refuseWhileRunning(JOB_WORDS[kind] ?? kind));
  }

  get running(): boolean {
    return this.last?.state.status === 'running';
  }

  /** Throws when a rotation runs: `what` says in words what was refused ("import", "switch workspace"). */
  refuseWhileRunning(what: string): void {
    const run = this.last;
    if (run?.state.status !== 'running') return;
    const { done, total } = run.state.progress;
    throw new CipherLensError(
      'BAD_INPUT',
      `cannot ${what} while the workspace is being re-encrypted to key ${run.state.to} (${done} of ${total} images): wait for it to finish, or cancel it in Settings → Keys`,
    );
  }

  start(
    workspacePath: string,
    keys: { from: string; to: string },
    work: (job: JobContext) => Promise<WorkspaceRekeySummary>,
  ): WorkspaceRekeyState {
    if (this.running) {
      throw new CipherLensError('BAD_INPUT', 'a re-encryption of the workspace is already running');
    }
    const busy = this.jobs.running();
    if (busy.length > 0) {
      throw new CipherLensError(
        'BAD_INPUT',
        `wait for the running job${busy.length > 1 ? 's' : ''} (${busy.map((job) => job.kind).join(', ')}) to finish, or cancel ${busy.length > 1 ? 'them' : 'it'}, before re-encrypting: ${busy.length > 1 ? 'they read' : 'it reads'} the images that would be rewritten`,
      );
    }
    const controller = new AbortController();
    const state: WorkspaceRekeyState = { from: keys.from, to: keys.to, ...runningJobFields() };
    const job: JobContext = {
      signal: controller.signal,
      progress: (done, total, message = state.progress.message) => {
        state.progress = { done, total, message };
      },
    };
    const done = (async (): Promise<void> => {
      await Promise.resolve();
      try {
        state.result = await work(job);
        state.status = 'done';
      } catch (error) {
        const cancelled =
          controller.signal.aborted || (isCipherLensError(error) && error.code === 'CANCELLED');
        state.status = cancelled ? 'cancelled' : 'failed';
        state.error = {
          code: isCipherLensError(error) ? error.code : 'INTERNAL',
          message: describeError(error),
        };
      }
      state.finishedAt = new Date().toISOString();
    })();
    this.last = { workspacePath, state, controller, done };
    return this.snapshot(state);
  }

  /** The running or last rotation of this workspace in this launch. */
  state(workspacePath: string): WorkspaceRekeyState | null {
    const run = this.last;
    return run && run.workspacePath === workspacePath ? this.snapshot(run.state) : null;
  }

  cancel(): void {
    if (!this.running) throw new CipherLensError('NOT_FOUND', 'no re-encryption is running');
    this.last!.controller.abort();
  }

  /** Resolves once the current rotation (if any) has ended (tests, hosts shutting down). */
  async wait(): Promise<WorkspaceRekeyState | null> {
    const run = this.last;
    if (!run) return null;
    await run.done;
    return this.snapshot(run.state);
  }

  async stop(): Promise<void> {
    if (this.running) this.last!.controller.abort();
    await this.last?.done;
  }

  private snapshot(state: WorkspaceRekeyState): WorkspaceRekeyState {
    return { ...state, progress: { ...state.progress } };
  }
}
