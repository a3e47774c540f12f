import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadKeyFile } from '../../../src/core/crypto/keys.js';
import { acquireInferenceEngine, openEngineCount } from '../../../src/core/inference/engine-cache.js';

const cardPath = fileURLToPath(new URL('../../fixtures/tiny-inference-model.json', import.meta.url));
const keyPath = fileURLToPath(new URL('../../../resources/keys/demo.key', import.meta.url));

describe('acquireInferenceEngine', () => {
  it('shares one session per model and settings, and closes it with its last user', async () => {
    const key = await loadKeyFile(keyPath);
    const [a, b] = await Promise.all([
      acquireInferenceEngine({ model: cardPath, key, threads: 1 }),
      acquireInferenceEngine({ model: cardPath, key, threads: 1 }),
    ]);
    const other = await acquireInferenceEngine({ model: cardPath, key, threads: 2 });
    expect(openEngineCount()).toBe(2);
    await a.close();
    await a.close();
    // b still works on the shared session.
    expect((await b.classify(b.encrypt([new Uint8Array(256).fill(240)])))[0]!.label).toBe('bright');
    await b.close();
    await other.close();
    expect(openEngineCount()).toBe(0);
  });
});
