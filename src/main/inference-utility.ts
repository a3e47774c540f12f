// Utility-process entry: hosts the ONNX session so inference never blocks the Electron main process.
import { createInferenceHost } from '../core/inference/inference-host.js';
import type { InferenceRequest } from '../core/inference/worker-protocol.js';

const port = process.parentPort;
if (!port) throw new Error('inference-utility must run in an Electron utility process');
// parentPort messages are structured clones; there is no transfer list for ArrayBuffers here.
const host = createInferenceHost((reply) => port.postMessage(reply));
port.on('message', (event: { data: InferenceRequest }) => void host.handle(event.data));
