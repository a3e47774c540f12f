import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { MAX_UPLOAD_BYTES } from '../../src/shared/common.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { startTestService } from './harness.js';

let service: AppService;
let big: string;

beforeAll(async () => {
  service = await startTestService();
  // Sparse: far over the API's file limit on disk, costs nothing.
  big = join(await temporaryFolder('cipherlens-big-'), 'huge.clens');
  const handle = await open(big, 'w');
  await handle.truncate(MAX_UPLOAD_BYTES * 4);
  await handle.close();
});
afterAll(() => service.close());

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('files named by path in a request', () => {
  it('previewDecrypt refuses a container over the API file limit before reading it', async () => {
    const error = await errorOf(service.call('previewDecrypt', { source: { kind: 'path', path: big } }));
    expect(error.code).toBe('IMAGE_TOO_LARGE');
  });

  it('previewDecrypt refuses what is not a regular file (a device would be read forever)', async () => {
    const error = await errorOf(
      service.call('previewDecrypt', { source: { kind: 'path', path: '/dev/null' } }),
    );
    expect(error.code).toBe('BAD_INPUT');
  });
});
