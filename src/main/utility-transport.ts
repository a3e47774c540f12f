import { utilityProcess } from 'electron';
import type { InferenceTransport } from '../core/inference/engine.js';
import type { InferenceReply, InferenceRequest } from '../core/inference/worker-protocol.js';

/** An inference engine's channel to a utility process running inference-utility.js. */
export function utilityTransport(entry: string): InferenceTransport {
  const child = utilityProcess.fork(entry, [], { serviceName: 'CipherLens inference', stdio: 'inherit' });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const transport: InferenceTransport = {
    postMessage: (request: InferenceRequest) => child.postMessage(request),
    on(event: 'message' | 'error' | 'exit', listener: (value: never) => void) {
      if (event === 'message')
        child.on('message', (reply: InferenceReply) => (listener as (r: InferenceReply) => void)(reply));
      else if (event === 'exit') child.on('exit', (code: number) => (listener as (c: number) => void)(code));
      else {
        child.on('error', (type, location) =>
          (listener as (e: Error) => void)(new Error(`inference process ${type} at ${location}`)),
        );
      }
      return transport;
    },
    terminate: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
  return transport;
}
