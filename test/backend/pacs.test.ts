import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretBox } from '../../src/backend/key-ring.js';
import type { AppService } from '../../src/backend/service.js';
import { statusForCode } from '../../src/server/http-status.js';
import { ImportResultSchema } from '../../src/shared/library.js';
import type { JobState } from '../../src/shared/system.js';
import { discImage, writeStudy, type WrittenStudy } from '../support/pacs-fixtures.js';
import { orthancUsable, PYDICOM_TEST_FILES, startOrthanc, type OrthancServer } from '../support/orthanc.js';
import { serviceCalls, startTestService } from './harness.js';

const usable = orthancUsable('PACS back-end tests against Orthanc');

/** A box that really transforms what it seals, as safeStorage does, so a clear secret on disk would show. */
const sealingBox: SecretBox = {
  description: 'test box (reversed, then base64)',
  seal: (plain) => new TextEncoder().encode(`sealed:${[...plain].reverse().join('')}`),
  open: (sealed) => {
    const text = new TextDecoder().decode(sealed);
    if (!text.startsWith('sealed:')) throw new Error('not sealed by this box');
    return [...text.slice('sealed:'.length)].reverse().join('');
  },
};

async function filesUnder(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Every file under `folder` that holds one of `needles` (as UTF-8 / Latin-1 bytes). */
async function filesContaining(folder: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const path of await filesUnder(folder)) {
    const bytes = await readFile(path);
    for (const needle of needles)
      if (bytes.includes(Buffer.from(needle, 'latin1'))) hits.push(`${path}: ${needle}`);
  }
  return hits;
}

describe.skipIf(!usable)('PACS operations and the import job against a real Orthanc', () => {
  let orthanc: OrthancServer;
  let service: AppService;
  let head: WrittenStudy;
  let big: WrittenStudy;
  const { call, rejection } = serviceCalls(() => service);

  const finished = (jobId: string): Promise<JobState> => service.context.jobs.wait(jobId);

  beforeAll(async () => {
    orthanc = await startOrthanc();
    head = writeStudy({
      patientName: 'ROENTGEN^ANNA',
      patientId: 'MRN-778899',
      studyDate: '20240115',
      description: 'CT HEAD',
      series: [
        { modality: 'CT', seriesNumber: 3, size: 32, images: [1, 2, 3].map((s) => discImage(32, s)) },
        { modality: 'CT', seriesNumber: 4, size: 32, images: [discImage(32, 9)] },
      ],
    });
    big = writeStudy({
      patientName: 'CURIE^MARIE',
      patientId: 'MRN-112233',
      studyDate: '20230301',
      series: [
        {
          modality: 'MR',
          seriesNumber: 1,
          size: 64,
          images: Array.from({ length: 60 }, (_, s) => discImage(64, s)),
        },
      ],
    });
    for (const study of [head, big])
      for (const series of study.series) for (const file of series.files) await orthanc.upload(file);
    // A JPEG-compressed instance (pydicom's, RGB, JPEG baseline): it arrives as stored and the DICOM codecs decode it.
    await orthanc.uploadFile(join(PYDICOM_TEST_FILES, 'SC_rgb_jpeg_dcmtk.dcm'));
    service = await startTestService({ secretBox: sealingBox });
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await orthanc?.stop();
  });

  it('starts unconfigured and says so when asked to search', async () => {
    expect(await call('pacsConnection')).toMatchObject({
      configured: false,
      baseUrl: null,
      credentialsSaved: false,
    });
    const error = await rejection('pacsSearchStudies', {});
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('Settings → PACS connection');
  });

  it('saves the connection with the password sealed, and never hands the password back', async () => {
    const saved = await call('pacsConfigure', {
      baseUrl: `${orthanc.dicomWebUrl}/`,
      auth: { kind: 'basic', user: orthanc.user, password: orthanc.password },
    });
    expect(saved).toMatchObject({
      configured: true,
      baseUrl: orthanc.dicomWebUrl,
      auth: 'basic',
      user: orthanc.user,
      credentialsSaved: true,
      warnings: [],
    });
    const stateDir = service.context.options.stateDir;
    const file = join(stateDir, 'pacs.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const secretForms = [orthanc.password, Buffer.from(orthanc.password).toString('base64')];
    expect(await filesContaining(stateDir, secretForms)).toEqual([]);
    for (const response of [
      saved,
      await call('pacsConnection'),
      await call('settingsGet'),
      await call('appInfo'),
    ]) {
      expect(JSON.stringify(response)).not.toContain(orthanc.password);
    }
    // Saving again without the password keeps the saved one.
    await call('pacsConfigure', {
      baseUrl: orthanc.dicomWebUrl,
      auth: { kind: 'basic', user: orthanc.user },
    });
    expect((await call('pacsTest')).message).toContain('answered a DICOMweb study search');
  });

  it('searches studies and lists series through the API', async () => {
    const found = await call('pacsSearchStudies', { patientName: 'ROENT*', modality: 'CT' });
    expect(found.studies.map((s) => s.studyInstanceUid)).toEqual([head.studyInstanceUid]);
    expect(found.studies[0]).toMatchObject({ patientName: 'ROENTGEN, ANNA', patientId: 'MRN-778899' });
    const byDate = await call('pacsSearchStudies', { dateFrom: '20230101', dateTo: '20231231' });
    expect(byDate.studies.map((s) => s.studyInstanceUid)).toEqual([big.studyInstanceUid]);
    const { series } = await call('pacsListSeries', { studyInstanceUid: head.studyInstanceUid });
    expect(series.map((s) => [s.seriesNumber, s.instanceCount])).toEqual([
      [3, 3],
      [4, 1],
    ]);
    expect((await rejection('pacsSearchStudies', { dateFrom: '2024-01-01' })).code).toBe('BAD_INPUT');
    expect((await rejection('pacsListSeries', { studyInstanceUid: '../../x' })).code).toBe('BAD_INPUT');
  });

  it('imports the chosen series as encrypted items named without patient data, then skips them when run again', async () => {
    const chosen = [head.series[0]!.seriesInstanceUid];
    const { jobId } = await call('pacsImport', {
      studyInstanceUid: head.studyInstanceUid,
      seriesInstanceUids: chosen,
      label: 'Head',
    });
    const state = await finished(jobId);
    expect(state.status).toBe('done');
    const result = ImportResultSchema.parse(state.result);
    expect(result).toMatchObject({ skipped: [], alreadyPresent: 0 });
    expect(result.imported).toHaveLength(3);
    const items = await call('libraryItems', { ids: result.imported });
    expect(items.items.map((item) => item.name).sort()).toEqual([
      'CT series 3 image 1',
      'CT series 3 image 2',
      'CT series 3 image 3',
    ]);
    for (const item of items.items) {
      expect(item.source).toBe(`PACS ${new URL(orthanc.url).host}`);
      expect(item.label).toBe('Head');
    }

    // Nothing that leads back to the patient is in the workspace in clear: names, IDs, or the study/series/SOP UIDs.
    const phi = [
      'ROENTGEN',
      'MRN-778899',
      head.studyInstanceUid,
      ...head.series[0]!.sopInstanceUids,
      head.series[0]!.seriesInstanceUid,
    ];
    expect(await filesContaining(service.context.workspace.path, phi)).toEqual([]);

    const again = await call('pacsImport', {
      studyInstanceUid: head.studyInstanceUid,
      seriesInstanceUids: chosen,
    });
    const second = ImportResultSchema.parse((await finished(again.jobId)).result);
    expect(second).toEqual({ imported: [], skipped: [], alreadyPresent: 3, duplicates: [] });
  });

  it('imports a JPEG-compressed instance through the same decoders as files', async () => {
    const [study] = (await call('pacsSearchStudies', { patientName: 'Lestrade*' })).studies;
    const { series } = await call('pacsListSeries', { studyInstanceUid: study!.studyInstanceUid });
    const { jobId } = await call('pacsImport', {
      studyInstanceUid: study!.studyInstanceUid,
      seriesInstanceUids: series.map((s) => s.seriesInstanceUid),
    });
    const result = ImportResultSchema.parse((await finished(jobId)).result);
    expect(result.skipped).toEqual([]);
    expect(result.imported).toHaveLength(1);
    const [item] = (await call('libraryItems', { ids: result.imported })).items;
    expect(item!.conversion.join(' ')).toMatch(/JPEG|RGB/i);
  });

  it('cancels part-way and resumes where it stopped (SOP Instance UIDs are not imported twice)', async () => {
    const request = {
      studyInstanceUid: big.studyInstanceUid,
      seriesInstanceUids: [big.series[0]!.seriesInstanceUid],
    };
    const before = service.context.workspace.size;
    const { jobId } = await call('pacsImport', request);
    // Cancel once a few images are stored (the job reports each one as it goes).
    const stop = service.onJobEvent((event) => {
      if (
        event.id === jobId &&
        event.status === 'running' &&
        event.progress.total === 60 &&
        event.progress.done >= 3
      ) {
        service.context.jobs.cancel(jobId);
      }
    });
    const cancelled = await finished(jobId);
    stop();
    expect(cancelled.status).toBe('cancelled');
    const stored = service.context.workspace.size - before;
    expect(stored).toBeGreaterThanOrEqual(3);
    expect(stored).toBeLessThan(60);

    const resumed = await call('pacsImport', request);
    const result = ImportResultSchema.parse((await finished(resumed.jobId)).result);
    expect(result.alreadyPresent).toBe(stored);
    expect(result.imported).toHaveLength(60 - stored);
    expect(service.context.workspace.size - before).toBe(60);
  });

  it('ends the job with REMOTE_AUTH when the PACS refuses the credentials, and refuses unknown series', async () => {
    const missing = await call('pacsImport', {
      studyInstanceUid: head.studyInstanceUid,
      seriesInstanceUids: ['1.2.3.4'],
    });
    const notThere = await finished(missing.jobId);
    expect(notThere.status).toBe('failed');
    expect(notThere.error?.code).toBe('NOT_FOUND');

    await call('pacsConfigure', {
      baseUrl: orthanc.dicomWebUrl,
      auth: { kind: 'basic', user: orthanc.user, password: 'wrong' },
    });
    expect((await rejection('pacsTest', {})).code).toBe('REMOTE_AUTH');
    // Over HTTP a refused PACS login is a gateway error, never the 401 the page reads as its own token refused.
    expect(statusForCode('REMOTE_AUTH')).toBe(502);
    const { jobId } = await call('pacsImport', {
      studyInstanceUid: head.studyInstanceUid,
      seriesInstanceUids: [head.series[1]!.seriesInstanceUid],
    });
    const failed = await finished(jobId);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('REMOTE_AUTH');
    expect(failed.error?.message).toContain('refused the saved credentials');
  });

  it('warns about credentials over plain http to another machine, and forgets the connection', async () => {
    const remote = await call('pacsConfigure', {
      baseUrl: 'http://pacs.hospital.example/dicom-web',
      auth: { kind: 'bearer', token: 'tok-123' },
    });
    expect(remote.warnings.join(' ')).toContain('plain http');
    expect(JSON.stringify(remote)).not.toContain('tok-123');
    const forgotten = await call('pacsConfigure', { baseUrl: null });
    expect(forgotten.configured).toBe(false);
    await expect(stat(join(service.context.options.stateDir, 'pacs.json'))).rejects.toThrow();
  });
});
