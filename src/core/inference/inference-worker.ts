// Worker-thread entry of an inference engine: kept tiny so a bundler can emit it as its own file.
import { parentPort } from 'node:worker_threads';
import { createInferenceHost } from './inference-host.js';
import type { InferenceRequest } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');
const host = createInferenceHost((reply, transfer) => port.postMessage(reply, transfer ?? []));
port.on('message', (request: InferenceRequest) => void host.handle(request));
