// Worker-thread entry for one share of a retrieval evaluation (see evaluateRetrieval).
import { parentPort } from 'node:worker_threads';
import { describeError, isCipherLensError } from '../errors.js';
import { runRetrievalJob, type RetrievalJob, type RetrievalWorkerReply } from './retrieval-metrics.js';

const port = parentPort;
if (!port) throw new Error('retrieval-worker must run in a worker thread');
const reply = (message: RetrievalWorkerReply): void => port.postMessage(message);
port.once('message', (job: RetrievalJob) => {
  runRetrievalJob(job, (done) => reply({ type: 'progress', done })).then(
    (sums) => reply({ type: 'done', sums }),
    (error: unknown) =>
      reply({
        type: 'error',
        code: isCipherLensError(error) ? error.code : 'INTERNAL',
        message: describeError(error),
      }),
  );
});
