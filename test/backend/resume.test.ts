import { describe, expect, it } from 'vitest';
import { JOB_RESULT_SCHEMAS } from '../../src/shared/operations.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { startTestService, writeBrightnessFolders } from './harness.js';

describe('import through the API: cancel, then resume', () => {
  it('keeps what was imported, offers the resume, and completes the set without duplicates', async () => {
    const service = await startTestService();
    try {
      const { handlers, context } = service;
      const folder = await temporaryFolder();
      await writeBrightnessFolders(folder, 20);
      const { jobId } = await handlers.importPaths({
        paths: [folder],
        conversion: { fit: 'resize', dicomFrame: 0, dicomWindow: 'file' },
        labelFromFolder: true,
      });
      const stop = service.onJobEvent((event) => {
        if (event.id === jobId && event.progress.done >= 5) void handlers.jobsCancel({ jobId });
      });
      const cancelled = await context.jobs.wait(jobId);
      stop();
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.error?.code).toBe('CANCELLED');
      const partial = await handlers.workspaceInfo({});
      expect(partial.itemCount).toBeGreaterThanOrEqual(5);
      expect(partial.itemCount).toBeLessThan(40);
      expect(partial.pendingImport).toMatchObject({ jobKind: 'import-paths', total: 40 });

      const resumed = await context.jobs.wait((await handlers.importResume({})).jobId);
      expect(resumed.status).toBe('done');
      const result = JOB_RESULT_SCHEMAS['import-paths'].parse(resumed.result);
      expect(result.alreadyPresent).toBe(partial.itemCount);
      expect(result.imported).toHaveLength(40 - partial.itemCount);
      const final = await handlers.workspaceInfo({});
      expect(final.itemCount).toBe(40);
      expect(final.pendingImport).toBeNull();
      expect(final.classes).toEqual([
        { label: 'bright', count: 20 },
        { label: 'dark', count: 20 },
      ]);
    } finally {
      await service.close();
    }
  });
});
