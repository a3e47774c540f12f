import { afterEach, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { serviceCalls, startTestService, writeBrightnessFolders } from './harness.js';

let service: AppService;
const { call } = serviceCalls(() => service);

afterEach(async () => {
  await service?.close();
});

async function withLibrary(perClass: number): Promise<void> {
  service = await startTestService();
  const folder = await temporaryFolder();
  await writeBrightnessFolders(folder, perClass);
  const { jobId } = await call('importPaths', { paths: [folder] });
  expect((await service.context.jobs.wait(jobId)).status).toBe('done');
}

describe('embedding map (mapGet, mapBuild)', () => {
  it('lays out the indexed images by PCA, says what is not indexed, and recomputes when the index changes', async () => {
    await withLibrary(4);
    const before = await call('mapGet', { method: 'pca' });
    // Nothing is embedded yet: no points, and the map says how many wait.
    expect(before.points).toEqual([]);
    expect(before.notIndexed).toBe(8);
    expect(before.modelId).toBe('tiny-inference-model');

    expect((await service.context.jobs.wait((await call('retrieveBuildIndex')).jobId)).status).toBe('done');
    const map = await call('mapGet', { method: 'pca' });
    expect(map.notIndexed).toBe(0);
    expect(map.points).toHaveLength(8);
    expect(map.indexVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(map.indexVersion).not.toBe(before.indexVersion);
    for (const point of map.points!) {
      expect(Number.isFinite(point.x) && Number.isFinite(point.y)).toBe(true);
      expect(['dark', 'bright']).toContain(point.label);
    }
    const [x = 0, y = 0] = map.explainedVariance ?? [];
    expect(x).toBeGreaterThanOrEqual(y);
    expect(x + y).toBeLessThanOrEqual(1 + 1e-9);
    // The same index gives the same picture (a cached layout, and a deterministic one).
    expect(await call('mapGet', { method: 'pca' })).toEqual(map);

    // Removing an image changes the index version: the layout is recomputed without it.
    const removed = map.points![0]!.id;
    await call('libraryRemove', { ids: [removed] });
    expect((await service.context.jobs.wait((await call('retrieveBuildIndex')).jobId)).status).toBe('done');
    const after = await call('mapGet', { method: 'pca' });
    expect(after.indexVersion).not.toBe(map.indexVersion);
    expect(after.points!.map((p) => p.id)).not.toContain(removed);
    expect(after.points).toHaveLength(7);
  });

  it('computes UMAP as a job, serves it for that index version only, and marks an older one stale', async () => {
    await withLibrary(4);
    const none = await call('mapGet', { method: 'umap' });
    expect(none.points).toBeNull();
    expect(none.umap).toEqual({ stale: false, jobId: null });

    // The job embeds what the index lacks first.
    const { jobId } = await call('mapBuild');
    // A second request while it runs joins it rather than starting another.
    expect((await call('mapBuild')).jobId).toBe(jobId);
    const job = await service.context.jobs.wait(jobId);
    expect(job.status).toBe('done');
    expect(job.result).toMatchObject({ modelId: 'tiny-inference-model', points: 8 });
    const umap = await call('mapGet', { method: 'umap' });
    expect(umap.points).toHaveLength(8);
    expect(umap.explainedVariance).toBeNull();

    // Relabelling recolours without a new layout; removing an image makes the UMAP stale (not shown).
    const [first, second] = umap.points!;
    await call('libraryUpdate', { id: first!.id, label: 'relabelled' });
    const relabelled = await call('mapGet', { method: 'umap' });
    expect(relabelled.points!.find((p) => p.id === first!.id)?.label).toBe('relabelled');
    await call('libraryRemove', { ids: [second!.id] });
    expect((await service.context.jobs.wait((await call('retrieveBuildIndex')).jobId)).status).toBe('done');
    const stale = await call('mapGet', { method: 'umap' });
    expect(stale.points).toBeNull();
    expect(stale.umap.stale).toBe(true);
  });

  it('refuses UMAP of too few images with a reason, and keeps a separate map per workspace service', async () => {
    await withLibrary(2);
    const { jobId } = await call('mapBuild');
    const job = await service.context.jobs.wait(jobId);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/at least 5 points/);
    const other = await startTestService();
    try {
      expect(other.context.maps).not.toBe(service.context.maps);
    } finally {
      await other.close();
    }
  });
});
