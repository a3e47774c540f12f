import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptContainer } from '../../src/core/crypto/container.js';
import type { AppService } from '../../src/backend/service.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { base64, brightnessPng, serviceCalls, startTestService, writeBrightnessFolders } from './harness.js';

const DEMO = 'b574d9e46e54e965';

let service: AppService;
const { call, rejection } = serviceCalls(() => service);

/** Plain pixels of every image, decrypted in the back end with the key its record names. */
function plainPixels(): Promise<Map<string, Buffer>> {
  const { workspace, keys } = service.context;
  return Promise.all(
    workspace.list().map(async (item) => {
      const opened = decryptContainer(keys.key(item.keyFingerprint), await workspace.readContainer(item.id));
      return [item.id, Buffer.from(opened.pixels)] as const;
    }),
  ).then((entries) => new Map(entries));
}

async function upload(count: number, seed: number): Promise<void> {
  const files = [];
  for (let n = 0; n < count; n++) {
    const level = n % 2 ? 210 : 40;
    files.push({ name: `img-${seed + n}.png`, dataBase64: base64(await brightnessPng(level, seed + n)) });
  }
  expect((await call('importUpload', { files })).imported).toHaveLength(count);
}

beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.close();
});

describe('workspaceRekey (key rotation from Settings → Keys)', () => {
  it('re-encrypts the library to a key of the ring, with progress, and makes it the active key', async () => {
    await upload(6, 0);
    const built = await service.context.jobs.wait((await call('retrieveBuildIndex')).jobId);
    expect(built.status).toBe('done');
    const oldIndex = service.context.workspace.layout.index('tiny-inference-model', DEMO);
    expect(existsSync(oldIndex)).toBe(true);
    const before = await plainPixels();
    // As in Settings: a new key is generated (and becomes active), so the library shows cipher images only.
    const fresh = await call('keysGenerate', { label: 'Radiology 2026', activate: true });
    const locked = await call('libraryList', { limit: 10 });
    expect(locked.items.map((item) => [item.canDecrypt, item.thumbnails.plain])).toEqual(
      new Array(6).fill([false, null]),
    );
    expect(await call('workspaceRekeyStatus')).toEqual({ current: null, interrupted: null });

    const started = await call('workspaceRekey', { fromFingerprint: DEMO, toFingerprint: fresh.fingerprint });
    expect(started).toMatchObject({ status: 'running', from: DEMO, to: fresh.fingerprint, result: null });
    // It owns the workspace while it runs.
    const uploadRefused = await rejection('importUpload', {
      files: [{ name: 'x.png', dataBase64: base64(await brightnessPng(40, 99)) }],
    });
    expect(uploadRefused.message).toMatch(/cannot import while the workspace is being re-encrypted/);
    // Jobs too: the job manager asks before starting one.
    expect((await rejection('importPaths', { paths: [await temporaryFolder()] })).message).toMatch(
      /cannot import while the workspace is being re-encrypted/,
    );
    expect((await rejection('workspaceChoose', { path: await temporaryFolder() })).message).toMatch(
      /cannot switch workspace while/,
    );
    expect(
      (await rejection('workspaceRekey', { fromFingerprint: DEMO, toFingerprint: fresh.fingerprint }))
        .message,
    ).toMatch(/already running/);

    const final = await service.context.rekey.wait();
    expect(final).toMatchObject({ status: 'done', progress: { done: 6, total: 6 }, error: null });
    expect(final!.result).toEqual({
      from: DEMO,
      to: fresh.fingerprint,
      total: 6,
      rekeyed: 6,
      alreadyNew: 0,
      otherKey: [],
      failed: [],
      indexesRemoved: [`tiny-inference-model--${DEMO}.clvs`],
      activated: true,
    });
    expect((await call('workspaceRekeyStatus')).current).toEqual(final);
    expect(existsSync(oldIndex)).toBe(false);
    expect((await call('keysStatus')).active?.fingerprint).toBe(fresh.fingerprint);
    expect((await call('workspaceInfo')).keys).toEqual([{ fingerprint: fresh.fingerprint, count: 6 }]);
    const page = await call('libraryList', { limit: 10 });
    expect(page.items.every((item) => item.canDecrypt && item.thumbnails.plain !== null)).toBe(true);
    expect(await plainPixels()).toEqual(before);
    // Responses carry fingerprints only, never key bytes.
    expect(JSON.stringify(final)).not.toMatch(/"key"|bytes/);
  });

  it('can be cancelled, says so, keeps the old key active, and continues when started again', async () => {
    const from = (await call('keysStatus')).active!.fingerprint;
    await upload(4, 20);
    const before = await plainPixels();
    const next = await call('keysGenerate', { activate: false });
    await call('workspaceRekey', { fromFingerprint: from, toFingerprint: next.fingerprint });
    expect(await call('workspaceRekeyCancel')).toEqual({ ok: true });
    const cancelled = await service.context.rekey.wait();
    expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' }, result: null });
    expect(cancelled!.error!.message).toMatch(/run it again to continue/);
    const status = await call('workspaceRekeyStatus');
    expect(status.interrupted).toMatchObject({ from, to: next.fingerprint });
    expect(status.interrupted!.remaining).toBeGreaterThan(0);
    expect((await call('keysStatus')).active?.fingerprint).toBe(from);
    expect(await plainPixels()).toEqual(before);

    await call('workspaceRekey', { fromFingerprint: from, toFingerprint: next.fingerprint, activate: false });
    const resumed = await service.context.rekey.wait();
    expect(resumed?.status).toBe('done');
    expect(resumed!.result!.rekeyed + resumed!.result!.alreadyNew).toBe(10);
    expect(resumed!.result!.activated).toBe(false);
    expect((await call('keysStatus')).active?.fingerprint).toBe(from);
    expect(await call('workspaceRekeyStatus')).toMatchObject({ interrupted: null });
    expect(await plainPixels()).toEqual(before);
    await call('keysSelect', { fingerprint: next.fingerprint });
  });

  it('refuses what it cannot do, with reasons a person can act on', async () => {
    const active = (await call('keysStatus')).active!.fingerprint;
    const unknown = await rejection('workspaceRekey', {
      fromFingerprint: '0123456789abcdef',
      toFingerprint: active,
    });
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toMatch(/not in this app's key ring.*import its key file first/);
    expect(
      (await rejection('workspaceRekey', { fromFingerprint: active, toFingerprint: active })).message,
    ).toMatch(/the same key/);
    expect((await rejection('workspaceRekey', { fromFingerprint: 'B574', toFingerprint: active })).code).toBe(
      'BAD_INPUT',
    );
    expect((await rejection('workspaceRekeyCancel', {})).code).toBe('NOT_FOUND');

    // Not while a job reads the images.
    const folder = await temporaryFolder();
    await writeBrightnessFolders(folder, 20);
    const { jobId } = await call('importPaths', { paths: [folder] });
    const busy = await rejection('workspaceRekey', { fromFingerprint: active, toFingerprint: DEMO });
    expect(busy.message).toMatch(/wait for the running job \(import-paths\)/);
    expect((await service.context.jobs.wait(jobId)).status).toBe('done');
  });
});
