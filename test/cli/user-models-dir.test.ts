import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MODELS_DIR } from '../../src/core/inference/model-files.js';
import { temporaryFolder } from '../core/workspace/helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the CLI finds the user’s models', () => {
  it('looks in $CIPHERLENS_HOME/models after the shipped models, and resolves a model installed there by id', async () => {
    const home = await temporaryFolder('cipherlens-cli-home-');
    await mkdir(join(home, 'models'));
    for (const file of ['tiny-model.json', 'tiny-model.onnx'])
      await copyFile(join(FIXTURES, file), join(home, 'models', file));
    vi.stubEnv('CIPHERLENS_HOME', home);
    vi.resetModules();
    const { CLI_MODELS_DIRS, resolveModelAndKey } = await import('../../src/cli/commands/model-options.js');
    expect(CLI_MODELS_DIRS).toEqual([DEFAULT_MODELS_DIR, join(home, 'models')]);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { model, key } = await resolveModelAndKey({ model: 'tiny-model' });
      expect(model.cardPath).toBe(join(home, 'models', 'tiny-model.json'));
      expect(key?.fingerprint).toBe(model.card.keyFingerprint);
    } finally {
      stderr.mockRestore();
    }
  });
});
