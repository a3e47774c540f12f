import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateKey, loadKeyFile } from '../../../src/core/crypto/keys.js';
import {
  defaultModelForKey,
  modelReads,
  modelsForKey,
  resolveModelReference,
} from '../../../src/core/inference/model-catalog.js';

const shipped = [fileURLToPath(new URL('../../../resources/models', import.meta.url))];
const demoKey = fileURLToPath(new URL('../../../resources/keys/demo.key', import.meta.url));

describe('which model a key gets', () => {
  it('the demo key: the paper’s DCNN trained for it, per dataset', async () => {
    const key = await loadKeyFile(demoKey);
    const models = await modelsForKey(shipped, key);
    expect(defaultModelForKey(models, key)?.card.id).toBe('mednist-dcnn-arnoldplusxor');
    expect(defaultModelForKey(models, key, 'mnist')?.card.id).toBe('mnist-dcnn-arnoldplusxor');
  });

  it('a new key: the transformed bit-plane model, never a plain one; none without a key', async () => {
    const key = generateKey();
    const models = await modelsForKey(shipped, key);
    const chosen = defaultModelForKey(models, key, 'mnist')!;
    expect(chosen.card.id).toBe(`mnist-bitplane-mlp-plain-for-${key.fingerprint}`);
    expect(modelReads(chosen.card)).toBe('transformed-for-key');
    expect(chosen.onnxBytes).toBeInstanceOf(Uint8Array);
    // Without the transformable models nothing reads this key's images: no plain model fills the gap.
    const withoutTransformed = models.filter((m) => !m.card.transformable && !m.card.transformedFrom);
    expect(withoutTransformed.some((m) => modelReads(m.card) === 'plain')).toBe(true);
    expect(defaultModelForKey(withoutTransformed, key)).toBeNull();
    expect(defaultModelForKey(models, null)).toBeNull();
  });

  it('resolves a transformed id only with its own key', async () => {
    const key = generateKey();
    const id = `mednist-bitplane-mlp-plain-for-${key.fingerprint}`;
    const model = await resolveModelReference(id, shipped, key);
    expect(model.card.id).toBe(id);
    await expect(resolveModelReference(id, shipped, generateKey())).rejects.toThrow(
      /transform of mednist-bitplane-mlp-plain for key/,
    );
    await expect(resolveModelReference(id, shipped, null)).rejects.toThrow(/no key was given/);
    await expect(resolveModelReference('nope', shipped, key)).rejects.toThrow(/no model "nope"/);
  });
});
