import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeGreyPng } from '../../src/core/image/decode.js';
import { userOnlyFileBox } from '../../src/backend/key-ring.js';
import { expect } from 'vitest';
import { createAppService, type AppService, type AppServiceOptions } from '../../src/backend/service.js';
import { CipherLensApiError } from '../../src/shared/api.js';
import type { OperationRequest, OperationResponse } from '../../src/shared/operations.js';
import type { OperationName } from '../../src/shared/operation-names.js';
import { temporaryFolder } from '../core/workspace/helpers.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(REPO, 'test', 'fixtures');
export const DEMO_KEY = join(REPO, 'resources', 'keys', 'demo.key');

/** A back end on temporary folders with the tiny dark/bright fixture model and the demo key. */
export async function startTestService(overrides: Partial<AppServiceOptions> = {}): Promise<AppService> {
  const root = await temporaryFolder('cipherlens-app-');
  // Only the dark/bright model: other fixtures in test/fixtures must not change which model is active.
  const models = join(root, 'models');
  await mkdir(models);
  for (const file of ['tiny-inference-model.json', 'tiny-inference-model.onnx']) {
    await copyFile(join(FIXTURES, file), join(models, file));
  }
  return createAppService({
    host: 'browser',
    version: '0.0.0-test',
    stateDir: join(root, 'state'),
    defaultWorkspacePath: join(root, 'workspace'),
    modelsDirs: [models],
    demoKeyPath: DEMO_KEY,
    dataDir: null,
    cacheDir: null,
    studyResultsDir: null,
    secretBox: userOnlyFileBox,
    // Most tests import by path; test/backend/path-authority.test.ts checks the browser host's default (off).
    pathSources: true,
    ...overrides,
  });
}

/** A noisy image around `level`: dark (< 128) or bright for the fixture model. */
export async function brightnessPng(level: number, seed: number, size = 16): Promise<Buffer> {
  const pixels = new Uint8Array(size * size);
  for (let i = 0; i < pixels.length; i++)
    pixels[i] = Math.max(0, Math.min(255, level + ((i * 37 + seed * 11) % 31) - 15));
  return encodeGreyPng({ pixels, width: size, height: size });
}

export async function writeBrightnessFolders(root: string, perClass: number): Promise<void> {
  for (const [label, level] of [
    ['dark', 40],
    ['bright', 210],
  ] as const) {
    await mkdir(join(root, label), { recursive: true });
    for (let n = 0; n < perClass; n++)
      await writeFile(join(root, label, `${label}-${n}.png`), await brightnessPng(level, n));
  }
}

export const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/**
 * Typed calls on the service a test file starts in beforeAll (`current` is read at each call), and the API error
 * a call is expected to end in.
 */
export function serviceCalls(current: () => AppService): {
  call: <N extends OperationName>(
    operation: N,
    payload?: OperationRequest<N>,
  ) => Promise<OperationResponse<N>>;
  rejection: (operation: string, payload: unknown) => Promise<CipherLensApiError>;
} {
  return {
    call: <N extends OperationName>(operation: N, payload: OperationRequest<N> = {} as OperationRequest<N>) =>
      current().call(operation, payload) as Promise<OperationResponse<N>>,
    async rejection(operation, payload) {
      try {
        await current().call(operation, payload);
      } catch (error) {
        expect(error).toBeInstanceOf(CipherLensApiError);
        return error as CipherLensApiError;
      }
      throw new Error(`${operation} did not fail`);
    },
  };
}
