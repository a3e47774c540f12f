import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { syntheticImages } from '../../src/core/attacks/image-sets.js';
import { encodeGreyPng } from '../../src/core/image/decode.js';
import { JOB_RESULT_SCHEMAS } from '../../src/shared/operations.js';
import type { JobState } from '../../src/shared/system.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { serviceCalls, startTestService } from './harness.js';

let service: AppService;
const { call, rejection } = serviceCalls(() => service);

async function finished(jobId: string): Promise<JobState> {
  await service.context.jobs.wait(jobId);
  return call('jobsGet', { jobId });
}

beforeAll(async () => {
  service = await startTestService();
  // 40 black-background images at the fixture model's 16×16, so the import keeps them as they are.
  const folder = await temporaryFolder();
  await mkdir(join(folder, 'strokes'));
  const images = syntheticImages(40, 16, 5);
  for (let i = 0; i < images.count; i++) {
    const pixels = images.pixels.slice(i * 256, (i + 1) * 256);
    await writeFile(
      join(folder, 'strokes', `s${i}.png`),
      await encodeGreyPng({ pixels, width: 16, height: 16 }),
    );
  }
  const imported = await finished((await call('importPaths', { paths: [folder] })).jobId);
  expect(imported.status).toBe('done');
});

afterAll(async () => {
  await service.close();
});

describe('securityAttacks (the Security view’s Attacks panel)', () => {
  it('runs the committed attacks on the workspace images of the active key, scored against the truth', async () => {
    const state = await finished((await call('securityAttacks', { source: 'workspace' })).jobId);
    expect(state.error).toBeNull();
    const result = JOB_RESULT_SCHEMAS['security-attacks'].parse(state.result);
    expect(result).toMatchObject({
      source: 'workspace',
      condition: 'arnold+xor',
      size: 16,
      images: 32,
      reference: 8,
    });
    // Two known pairs pin the Arnold matrix, and with it every other image of the key.
    expect(result.knownPlaintext.kNeeded['arnold-sl2']).toBe(2);
    expect(result.knownPlaintext.kAllTargetsExact['arnold-sl2']).toBe(2);
    expect(result.ciphertextOnly.rows.map((r) => r.ciphertexts)).toEqual([10, 32]);
    expect(result.keyspace.sl2Order).toBe(3072);
    expect(result.grid).toMatch(/^data:image\/png;base64,/);
  });

  it('shows what the uniform permutation changes: the SL2 search finds nothing', async () => {
    const state = await finished(
      (await call('securityAttacks', { source: 'workspace', condition: 'uniform+xor' })).jobId,
    );
    const result = JOB_RESULT_SCHEMAS['security-attacks'].parse(state.result);
    expect(result.description).toMatch(/encrypted again with uniform\+xor/);
    expect(result.knownPlaintext.kNeeded['arnold-sl2']).toBeNull();
    const sl2 = result.knownPlaintext.rows.filter((r) => r.method === 'arnold-sl2' && r.known > 1);
    expect(sl2.every((r) => r.targets === null && r.consistent === 0)).toBe(true);
    expect(result.ciphertextOnly.rows.every((r) => r.permutation === 'wrong')).toBe(true);
  });

  it('refuses a condition without a permutation, and a dataset sample without a dataset folder', async () => {
    expect((await rejection('securityAttacks', { condition: 'xor' })).code).toBe('BAD_INPUT');
    const state = await finished((await call('securityAttacks', { source: 'mnist' })).jobId);
    expect(state.status).toBe('failed');
    expect(state.error?.code).toBe('NOT_FOUND');
  });
});
