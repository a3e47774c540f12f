import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadKeyFile } from '../../src/core/crypto/keys.js';
import { createInferenceEngine } from '../../src/core/inference/engine.js';
import { DEMO_KEY, FIXTURES, REPO } from '../backend/harness.js';

// utility-transport.ts imports electron's utilityProcess; here it forks a Node child with the same contract.
vi.mock('electron', () => ({
  utilityProcess: {
    fork(entry: string) {
      const child = fork(join(import.meta.dirname, 'parent-port-shim.ts'), [entry], {
        serialization: 'advanced',
        execArgv: ['--import', 'tsx'],
        stdio: 'inherit',
      });
      const process = new EventEmitter() as EventEmitter & { postMessage(m: unknown): void; kill(): boolean };
      process.postMessage = (message) => child.send(message as object);
      process.kill = () => child.kill();
      child.on('message', (message) => process.emit('message', message));
      child.on('exit', (code) => process.emit('exit', code ?? 0));
      return process;
    },
  },
}));

const { utilityTransport } = await import('../../src/main/utility-transport.js');

describe('inference in a utility process', () => {
  it('opens the model, classifies encrypted images and closes, all over the utility transport', async () => {
    const key = await loadKeyFile(DEMO_KEY);
    const engine = await createInferenceEngine({
      model: join(FIXTURES, 'tiny-inference-model.json'),
      key,
      log: () => undefined,
      transport: () => utilityTransport(join(REPO, 'src', 'main', 'inference-utility.ts')),
    });
    expect(engine.provider).toBe('cpu');
    const dark = new Uint8Array(256).fill(20);
    const bright = new Uint8Array(256).fill(230);
    const [first, second] = await engine.classify(engine.encrypt([dark, bright]));
    expect(first!.label).toBe('dark');
    expect(second!.label).toBe('bright');
    const embeddings = await engine.embed(engine.encrypt([dark]));
    expect(embeddings).toBeInstanceOf(Float32Array);
    expect(embeddings.length).toBe(512);
    await engine.close();
  });
});

describe('a transformed model in the utility process', () => {
  it('receives the in-memory graph (never a file) and answers like the plain model on the plain image', async () => {
    const { generateKey } = await import('../../src/core/crypto/keys.js');
    const { resolveModel } = await import('../../src/core/inference/model-files.js');
    const { deriveTransformedModel } = await import('../../src/core/inference/model-catalog.js');
    const plainModel = await resolveModel('mednist-bitplane-mlp-plain');
    const key = generateKey();
    const derived = await deriveTransformedModel(plainModel, key);
    expect(derived.onnxBytes).toBeInstanceOf(Uint8Array);
    const transformed = await createInferenceEngine({
      model: derived,
      key,
      log: () => undefined,
      transport: () => utilityTransport(join(REPO, 'src', 'main', 'inference-utility.ts')),
    });
    const plain = await createInferenceEngine({ model: plainModel, key: null, log: () => undefined });
    try {
      const image = new Uint8Array(64 * 64).map((_, i) => (i * 131) % 256);
      const [viaCipher] = await transformed.classify(transformed.encrypt([image]));
      const [viaPlain] = await plain.classify(image);
      expect(viaCipher!.label).toBe(viaPlain!.label);
      expect(Math.abs(viaCipher!.probability - viaPlain!.probability)).toBeLessThan(1e-5);
    } finally {
      await transformed.close();
      await plain.close();
    }
  });
});
