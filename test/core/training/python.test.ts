import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JEMALLOC_PATH,
  probePythonTraining,
  resolvePython,
  SYSTEM_PYTHON,
  trainerEnvironment,
} from '../../../src/core/training/python.js';
import { existsSync } from 'node:fs';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cipherlens-python-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function fakePython(name: string, script: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${script}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('resolvePython', () => {
  it('prefers the option, then CIPHERLENS_PYTHON, then the system interpreter', () => {
    expect(resolvePython('/opt/py', { CIPHERLENS_PYTHON: '/env/py' })).toBe('/opt/py');
    expect(resolvePython(undefined, { CIPHERLENS_PYTHON: '/env/py' })).toBe('/env/py');
    expect(resolvePython(undefined, {})).toBe(existsSync(SYSTEM_PYTHON) ? SYSTEM_PYTHON : 'python3');
  });
});

describe('trainerEnvironment', () => {
  it('puts the trainer on PYTHONPATH, waits passively, preloads jemalloc when installed', () => {
    const env = trainerEnvironment('/repo', { PYTHONPATH: '/other', PATH: '/bin' });
    expect(env.PYTHONPATH).toBe('/repo:/other');
    expect(env.OMP_WAIT_POLICY).toBe('PASSIVE');
    expect(env.PYTHONUNBUFFERED).toBe('1');
    expect(env.PATH).toBe('/bin');
    if (process.platform === 'linux' && existsSync(JEMALLOC_PATH)) {
      expect(env.LD_PRELOAD).toBe(JEMALLOC_PATH);
      expect(env.MALLOC_CONF).toContain('retain:true');
    } else {
      expect(env.LD_PRELOAD).toBeUndefined();
    }
  });

  it('keeps a caller-chosen OpenMP policy and an existing preload', () => {
    const env = trainerEnvironment('/repo', { OMP_WAIT_POLICY: 'ACTIVE', LD_PRELOAD: '/x/libjemalloc.so' });
    expect(env.OMP_WAIT_POLICY).toBe('ACTIVE');
    expect(env.LD_PRELOAD).toBe('/x/libjemalloc.so');
  });
});

describe('probePythonTraining', () => {
  it('names a missing interpreter and says how to install one', async () => {
    const attempt = probePythonTraining(join(dir, 'no-such-python'));
    await expect(attempt).rejects.toMatchObject({ code: 'DEPENDENCY_MISSING' });
    await expect(attempt).rejects.toThrow(/was not found.*apt-get install python3-torch/s);
  });

  it('names the module Python cannot import', async () => {
    const python = await fakePython(
      'python-without-torch',
      `echo '{"missing": ["torch (ModuleNotFoundError: No module named torch)"], "pythonVersion": "3.11.2"}'`,
    );
    const attempt = probePythonTraining(python);
    await expect(attempt).rejects.toMatchObject({ code: 'DEPENDENCY_MISSING' });
    await expect(attempt).rejects.toThrow(/cannot import torch .*pip install torch onnx numpy/s);
  });

  it('reports an interpreter that crashes', async () => {
    const python = await fakePython('broken-python', 'echo "Segmentation fault" >&2; exit 139');
    await expect(probePythonTraining(python)).rejects.toThrow(/exit 139.*Segmentation fault/s);
  });

  it('returns the versions of a working stack', async () => {
    const python = await fakePython(
      'good-python',
      `echo '{"missing": [], "pythonVersion": "3.11.2", "numpy": "1.24.2", "torch": "1.13.0", "onnx": "1.12.0", "cuda": false}'`,
    );
    await expect(probePythonTraining(python)).resolves.toEqual({
      python,
      pythonVersion: '3.11.2',
      torch: '1.13.0',
      onnx: '1.12.0',
      numpy: '1.24.2',
      cuda: false,
    });
  });
});
