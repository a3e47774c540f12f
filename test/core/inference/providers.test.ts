import { readFile } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import {
  detectProviders,
  parseProviderPreference,
  planProviders,
  systemProviderProbe,
  type ProviderProbe,
} from '../../../src/core/inference/providers.js';
import { openSession, type SessionFactory } from '../../../src/core/inference/session.js';

const fixture = new URL('../../fixtures/tiny-inference-model.onnx', import.meta.url);

function probe(overrides: Partial<ProviderProbe>): ProviderProbe {
  return {
    platform: 'linux',
    arch: 'x64',
    runtimeBackends: () => ['cpu'],
    nvidiaDriverPresent: () => false,
    missingCudaLibraries: () => [],
    ...overrides,
  };
}

describe('provider detection', () => {
  it('chooses CUDA on Linux with an NVIDIA driver and the CUDA libraries', () => {
    const detection = detectProviders(probe({ nvidiaDriverPresent: () => true }));
    expect(detection.available).toEqual(['cuda', 'cpu']);
    expect(planProviders('auto', detection)).toEqual(['cuda', 'cpu']);
  });

  it('stays on CPU on Linux without a driver, or with libraries missing, and says why', () => {
    const noDriver = detectProviders(probe({}));
    expect(noDriver.available).toEqual(['cpu']);
    expect(noDriver.notes.join()).toMatch(/no NVIDIA driver/);
    const noLibraries = detectProviders(
      probe({ nvidiaDriverPresent: () => true, missingCudaLibraries: () => ['libcudnn.so.9'] }),
    );
    expect(noLibraries.available).toEqual(['cpu']);
    expect(noLibraries.notes.join()).toMatch(/missing libcudnn\.so\.9/);
  });

  it('chooses DirectML on Windows when the binding has it, never CUDA there', () => {
    const windows = probe({
      platform: 'win32',
      runtimeBackends: () => ['cpu', 'dml', 'webgpu'],
      nvidiaDriverPresent: () => true,
    });
    expect(detectProviders(windows).available).toEqual(['dml', 'cpu']);
    expect(detectProviders(probe({ platform: 'win32' })).available).toEqual(['cpu']);
    expect(detectProviders(probe({ platform: 'darwin', nvidiaDriverPresent: () => true })).available).toEqual(
      ['cpu'],
    );
  });

  it('tries an explicit choice even when detection doubts it, then CPU; cpu means only CPU', () => {
    const cpuOnly = detectProviders(probe({}));
    expect(planProviders('cuda', cpuOnly)).toEqual(['cuda', 'cpu']);
    expect(planProviders('dml', cpuOnly)).toEqual(['dml', 'cpu']);
    expect(planProviders('cpu', detectProviders(probe({ nvidiaDriverPresent: () => true })))).toEqual([
      'cpu',
    ]);
    expect(parseProviderPreference('auto')).toBe('auto');
    expect(() => parseProviderPreference('tpu')).toThrow(/unknown execution provider "tpu"/);
  });

  it('the real probe on this machine never claims an accelerator it cannot load', () => {
    const detection = detectProviders(systemProviderProbe());
    expect(detection.available.at(-1)).toBe('cpu');
    if (process.platform === 'linux' && !detection.available.includes('cuda')) {
      expect(detection.notes.join()).toMatch(/cuda:/);
    }
  });
});

describe('session creation with fallback', () => {
  it('logs a provider that fails to initialise and falls back to CPU (faked CUDA failure)', async () => {
    const log = vi.fn();
    const tried: string[] = [];
    const real = (await import('onnxruntime-node')).InferenceSession;
    const createSession: SessionFactory = async (model, options) => {
      const provider = String(options.executionProviders?.[0]);
      tried.push(provider);
      if (provider === 'cuda') throw new Error('libcudart.so.12: cannot open shared object file');
      return real.create(model, options);
    };
    const model = new Uint8Array(await readFile(fixture));
    const detection = detectProviders(probe({ nvidiaDriverPresent: () => true }));
    const opened = await openSession(model, { detection, createSession, log, threads: 1 });
    expect(tried).toEqual(['cuda', 'cpu']);
    expect(opened.provider).toBe('cpu');
    expect(opened.threads).toBe(1);
    expect(opened.fallbacks).toEqual([
      { provider: 'cuda', error: 'libcudart.so.12: cannot open shared object file' },
    ]);
    expect(log).toHaveBeenCalledWith(
      expect.stringMatching(/execution provider cuda failed to initialise .*falling back to cpu/),
    );
    await opened.session.release();
  });

  it('really falls back when CUDA is requested on a machine without it', async () => {
    const detection = detectProviders(systemProviderProbe());
    if (detection.available.includes('cuda')) return; // a CUDA machine would simply use it
    const log = vi.fn();
    const opened = await openSession(new Uint8Array(await readFile(fixture)), {
      provider: 'cuda',
      log,
      threads: 1,
    });
    expect(opened.provider).toBe('cpu');
    expect(opened.fallbacks[0]?.provider).toBe('cuda');
    expect(log).toHaveBeenCalledTimes(1);
    await opened.session.release();
  });

  it('fails with DEPENDENCY_MISSING when no provider initialises', async () => {
    const createSession: SessionFactory = () => Promise.reject(new Error('broken runtime'));
    await expect(
      openSession(new Uint8Array(4), { provider: 'cpu', createSession, log: () => undefined }),
    ).rejects.toMatchObject({
      code: 'DEPENDENCY_MISSING',
      message: expect.stringMatching(/cpu: broken runtime/) as string,
    });
    await expect(openSession(new Uint8Array(4), { threads: 0 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
