import type { z } from 'zod';
import { CipherLensApiError, JOB_RESULT_SCHEMAS, type JobState } from '../../shared/index.js';
import type { CipherLensClient } from '../api/index.js';
import { el } from '../components/dom.js';
import { progressBar } from '../components/progressBar.js';
import { reportError, reportInfo } from '../components/messages.js';

export type JobKind = keyof typeof JOB_RESULT_SCHEMAS;
export type JobResult<K extends JobKind> = z.output<(typeof JOB_RESULT_SCHEMAS)[K]>;

// Events are the fast path; polling covers an event stream that is not connected yet or dropped.
const POLL_INTERVAL_MS = 1500;

const isFinished = (job: JobState): boolean => job.status !== 'running';

/** Follows one job until it finishes, calling `onState` for every change. */
function watchJob(api: CipherLensClient, jobId: string, onState: (job: JobState) => void): Promise<JobState> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let lastSeen = '';
    const accept = (job: JobState): void => {
      if (settled || job.id !== jobId) return;
      const signature = `${job.status}:${job.progress.done}:${job.progress.total}:${job.progress.message}`;
      if (signature !== lastSeen) {
        lastSeen = signature;
        onState(job);
      }
      if (isFinished(job)) finish(() => resolve(job));
    };
    const unsubscribe = api.onJobEvent(accept);
    const poll = async (): Promise<void> => {
      try {
        accept(await api.jobsGet({ jobId }));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const timer = setInterval(() => void poll(), POLL_INTERVAL_MS);
    const finish = (settle: () => void): void => {
      settled = true;
      clearInterval(timer);
      unsubscribe();
      settle();
    };
    void poll();
  });
}

/** An inline progress bar whose Cancel button cancels the job on the back end. */
function jobProgress(
  api: CipherLensClient,
  jobId: string,
  title: string,
): {
  element: HTMLElement;
  update: (job: JobState) => void;
} {
  const bar = progressBar(
    title,
    () => {
      api.jobsCancel({ jobId }).catch((error: unknown) => reportError(error, `Could not cancel ${title}`));
    },
    { jobId },
  );
  const update = (job: JobState): void => {
    bar.update(job.progress.done, job.progress.total, job.progress.message || job.status);
    if (isFinished(job)) bar.settle(job.status);
  };
  return { element: bar.element, update };
}

export interface JobHandle<K extends JobKind> {
  jobId: string;
  /** Place this where the person started the job; it removes itself when the job ends. */
  element: HTMLElement;
  /** The parsed result; rejects with the job's error (code CANCELLED when cancelled). */
  result: Promise<JobResult<K>>;
}

export async function startJob<K extends JobKind>(
  api: CipherLensClient,
  kind: K,
  title: string,
  start: () => Promise<{ jobId: string }>,
): Promise<JobHandle<K>> {
  const { jobId } = await start();
  const progress = jobProgress(api, jobId, title);
  const result = watchJob(api, jobId, progress.update).then((job) => {
    progress.element.remove();
    if (job.status === 'done') return JOB_RESULT_SCHEMAS[kind].parse(job.result) as JobResult<K>;
    if (job.status === 'cancelled') throw new CipherLensApiError('CANCELLED', `${title} was cancelled`);
    throw new CipherLensApiError(job.error?.code ?? 'INTERNAL', job.error?.message ?? `${title} failed`);
  });
  result.catch(() => progress.element.remove());
  return { jobId, element: progress.element, result };
}

export const isCancellation = (error: unknown): boolean =>
  error instanceof CipherLensApiError && error.code === 'CANCELLED';

/** A cancelled job is what the person asked for (a notice); any other end is a failure (an error). */
export function reportJobEnd(error: unknown, what: string, afterCancel = ''): void {
  if (isCancellation(error)) reportInfo(`${what} cancelled`, afterCancel || undefined);
  else reportError(error, `${what} failed`);
}

const JOB_TITLES: Record<JobKind, string> = {
  'import-paths': 'Importing files',
  'import-dataset': 'Importing dataset sample',
  'pacs-import': 'Importing from the PACS',
  'classify-batch': 'Classifying batch',
  'index-build': 'Building retrieval index',
  'map-umap': 'Computing the embedding map (UMAP)',
  evaluate: 'Evaluating model',
  'model-train': 'Training a model for the active key',
  'security-attacks': 'Running the attack demonstration',
};

/**
 * The app-wide job bar: running jobs whose own view is not on screen (the person navigated away),
 * so long work is never invisible.
 */
export function createJobBar(api: CipherLensClient): HTMLElement {
  const bar = el('div', { class: 'jobs', attrs: { 'aria-label': 'Running jobs', 'data-testid': 'job-bar' } });
  const rows = new Map<string, { element: HTMLElement; update: (job: JobState) => void }>();
  const shownInline = (jobId: string): boolean =>
    Array.from(document.querySelectorAll<HTMLElement>(`.view [data-job-id="${CSS.escape(jobId)}"]`)).some(
      (node) => node.offsetParent !== null,
    );
  const render = (job: JobState): void => {
    let row = rows.get(job.id);
    if (isFinished(job)) {
      row?.element.remove();
      rows.delete(job.id);
      return;
    }
    if (!row) {
      row = jobProgress(api, job.id, JOB_TITLES[job.kind]);
      rows.set(job.id, row);
    }
    row.update(job);
    if (shownInline(job.id)) row.element.remove();
    else if (!row.element.isConnected) bar.appendChild(row.element);
  };
  api.onJobEvent(render);
  api
    .jobsList()
    .then(({ jobs }) => jobs.forEach(render))
    .catch((error: unknown) => reportError(error, 'Could not list running jobs'));
  return bar;
}
