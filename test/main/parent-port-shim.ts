// Stands in for Electron's utility process in tests: a Node child (advanced serialization, like structured
// clone) whose process.parentPort behaves like Electron's — messages wait until a handler is registered —
// then runs the real inference-utility entry.
import { EventEmitter } from 'node:events';

const entry = process.argv[2]!;
const port = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void };
port.postMessage = (message) => process.send!(message);
const queued: unknown[] = [];
process.on('message', (data) => {
  if (port.listenerCount('message') > 0) port.emit('message', { data, ports: [] });
  else queued.push(data);
});
port.on('newListener', (event: string) => {
  if (event !== 'message') return;
  setImmediate(() => {
    for (const data of queued.splice(0)) port.emit('message', { data, ports: [] });
  });
});
(process as unknown as { parentPort: typeof port }).parentPort = port;
await import(entry);
