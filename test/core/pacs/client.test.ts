import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomWebClient } from '../../../src/core/pacs/client.js';
import dicomParser from 'dicom-parser';
import { discImage, writeStudy, type WrittenStudy } from '../../support/pacs-fixtures.js';
import {
  orthancUsable,
  PYDICOM_TEST_FILES,
  startOrthanc,
  type OrthancServer,
} from '../../support/orthanc.js';

const usable = orthancUsable('PACS client tests against Orthanc');

let orthanc: OrthancServer;

/** The SOP Instance UID inside DICOM bytes (read with dicom-parser, independent of the code under test). */
const sopInstanceUidOf = (bytes: Uint8Array): string | undefined =>
  dicomParser.parseDicom(bytes).string('x00080018');
let jane: WrittenStudy;
let john: WrittenStudy;

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

describe.skipIf(!usable)('DicomWebClient against a real Orthanc', () => {
  const client = (): DicomWebClient =>
    new DicomWebClient({
      baseUrl: orthanc.dicomWebUrl,
      auth: { kind: 'basic', user: orthanc.user, password: orthanc.password },
    });

  beforeAll(async () => {
    orthanc = await startOrthanc();
    jane = writeStudy({
      patientName: 'DOE^JANE',
      patientId: 'PAT-001',
      studyDate: '20240115',
      description: 'CT HEAD',
      series: [{ modality: 'CT', seriesNumber: 2, size: 32, images: [1, 2, 3].map((s) => discImage(32, s)) }],
    });
    john = writeStudy({
      patientName: 'DOE^JOHN',
      patientId: 'PAT-002',
      studyDate: '20240620',
      description: 'MR KNEE',
      series: [
        { modality: 'MR', seriesNumber: 1, size: 16, images: [4, 5].map((s) => discImage(16, s)) },
        { modality: 'MR', seriesNumber: 7, size: 16, images: [discImage(16, 6)] },
      ],
    });
    for (const study of [jane, john])
      for (const series of study.series) for (const file of series.files) await orthanc.upload(file);
    await orthanc.uploadFile(join(PYDICOM_TEST_FILES, 'CT_small.dcm'));
    await orthanc.uploadFile(join(PYDICOM_TEST_FILES, 'MR_small.dcm'));
    await orthanc.uploadFile(join(PYDICOM_TEST_FILES, 'SC_rgb_jpeg_dcmtk.dcm'));
  }, 60_000);

  afterAll(async () => {
    await orthanc?.stop();
  });

  it('checks the connection', async () => {
    expect((await client().checkConnection()).studiesSeen).toBe(1);
  });

  it('searches studies by patient name with a wildcard, patient ID, date range and modality', async () => {
    const uids = async (query: Parameters<DicomWebClient['searchStudies']>[0]) =>
      (await client().searchStudies(query)).studies.map((s) => s.studyInstanceUid).sort();
    expect(await uids({ patientName: 'DOE^*' })).toEqual(
      [jane.studyInstanceUid, john.studyInstanceUid].sort(),
    );
    expect(await uids({ patientName: 'DOE^JA*' })).toEqual([jane.studyInstanceUid]);
    expect(await uids({ patientId: 'PAT-002' })).toEqual([john.studyInstanceUid]);
    expect(await uids({ dateFrom: '20240301', dateTo: '20241231' })).toEqual([john.studyInstanceUid]);
    expect(await uids({ dateTo: '20240131', patientName: 'DOE*' })).toEqual([jane.studyInstanceUid]);
    expect(await uids({ modality: 'mr', patientName: 'DOE*' })).toEqual([john.studyInstanceUid]);
    expect(await uids({ patientName: 'NOBODY*' })).toEqual([]);
    // All five studies, including pydicom's CT_small (2004), MR_small and SC_rgb_jpeg_dcmtk.
    const all = await client().searchStudies({});
    expect(all.studies).toHaveLength(5);
    expect(all.mayHaveMore).toBe(false);
    const limited = await client().searchStudies({ limit: 2 });
    expect(limited.studies).toHaveLength(2);
    expect(limited.mayHaveMore).toBe(true);
    // Paging ("Show more" in the dialog): pages of 2 from offsets 0, 2, 4 cover all five studies exactly once.
    const pages = await Promise.all([0, 2, 4].map((offset) => client().searchStudies({ limit: 2, offset })));
    expect(pages.map((page) => page.studies.length)).toEqual([2, 2, 1]);
    expect(pages.map((page) => page.mayHaveMore)).toEqual([true, true, false]);
    const paged = pages.flatMap((page) => page.studies.map((study) => study.studyInstanceUid));
    expect(new Set(paged).size).toBe(5);
    expect([...paged].sort()).toEqual(all.studies.map((study) => study.studyInstanceUid).sort());
  });

  it('reads the study attributes the table shows', async () => {
    const [study] = (await client().searchStudies({ patientId: 'PAT-002' })).studies;
    expect(study).toMatchObject({
      patientName: 'DOE, JOHN',
      patientId: 'PAT-002',
      studyDate: '20240620',
      description: 'MR KNEE',
      modalities: ['MR'],
      seriesCount: 2,
      instanceCount: 3,
    });
  });

  it('lists the series of a study (by series number) and the instances of a series', async () => {
    const series = await client().listSeries(john.studyInstanceUid);
    expect(series.map((s) => [s.seriesNumber, s.modality, s.instanceCount])).toEqual([
      [1, 'MR', 2],
      [7, 'MR', 1],
    ]);
    const instances = await client().listInstances(jane.studyInstanceUid, jane.series[0]!.seriesInstanceUid);
    expect(instances.map((i) => i.sopInstanceUid)).toEqual(jane.series[0]!.sopInstanceUids);
    expect(instances.map((i) => i.instanceNumber)).toEqual([1, 2, 3]);
  });

  it('retrieves an instance and a whole series as multipart/related DICOM parts', async () => {
    const series = jane.series[0]!;
    const one = await client().retrieveInstance(
      jane.studyInstanceUid,
      series.seriesInstanceUid,
      series.sopInstanceUids[1]!,
    );
    expect(sopInstanceUidOf(one)).toBe(series.sopInstanceUids[1]);
    const all: string[] = [];
    for await (const bytes of client().retrieveSeries(jane.studyInstanceUid, series.seriesInstanceUid)) {
      expect(Buffer.from(bytes).toString('latin1', 128, 132)).toBe('DICM');
      all.push(sopInstanceUidOf(bytes) ?? '');
    }
    expect(all.sort()).toEqual([...series.sopInstanceUids].sort());
  });

  it('retrieves compressed instances as stored (transfer-syntax=*), not transcoded', async () => {
    const [study] = (await client().searchStudies({ patientName: 'Lestrade*' })).studies;
    expect(study).toBeDefined();
    const [series] = await client().listSeries(study!.studyInstanceUid);
    const instances = await client().listInstances(study!.studyInstanceUid, series!.seriesInstanceUid);
    const syntaxes: string[] = [];
    for (const instance of instances) {
      const bytes = await client().retrieveInstance(
        study!.studyInstanceUid,
        series!.seriesInstanceUid,
        instance.sopInstanceUid,
      );
      syntaxes.push(dicomParser.parseDicom(bytes).string('x00020010') ?? '');
    }
    // pydicom's SC_rgb_jpeg_dcmtk.dcm is JPEG baseline (process 1); asked for as stored, it stays so.
    expect(syntaxes).toEqual(['1.2.840.10008.1.2.4.50']);
  });

  it('keeps to the size caps', async () => {
    const series = jane.series[0]!;
    const small = new DicomWebClient({
      baseUrl: orthanc.dicomWebUrl,
      auth: { kind: 'basic', user: orthanc.user, password: orthanc.password },
      limits: { maxInstanceBytes: 512 },
    });
    const error = await failure(
      small.retrieveInstance(jane.studyInstanceUid, series.seriesInstanceUid, series.sopInstanceUids[0]!),
    );
    expect(error.code).toBe('TOO_LARGE');
    const capped = new DicomWebClient({
      baseUrl: orthanc.dicomWebUrl,
      auth: { kind: 'basic', user: orthanc.user, password: orthanc.password },
      limits: { maxSeriesBytes: 2000 },
    });
    const seriesError = await failure(
      (async () => {
        for await (const _ of capped.retrieveSeries(jane.studyInstanceUid, series.seriesInstanceUid)) void _;
      })(),
    );
    expect(seriesError.code).toBe('TOO_LARGE');
  });

  it('says REMOTE_AUTH for a wrong password and for no credentials', async () => {
    const wrong = new DicomWebClient({
      baseUrl: orthanc.dicomWebUrl,
      auth: { kind: 'basic', user: orthanc.user, password: 'nope' },
    });
    const error = await failure(wrong.searchStudies({}));
    expect(error.code).toBe('REMOTE_AUTH');
    expect(error.message).toContain('refused the saved credentials (401');
    const none = await failure(new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).checkConnection());
    expect(none.code).toBe('REMOTE_AUTH');
    expect(none.message).toContain('asks for credentials');
  });

  it('says what is wrong with a base URL that is not the DICOMweb root', async () => {
    const wrongRoot = new DicomWebClient({
      baseUrl: `${orthanc.url}/not-dicom-web`,
      auth: { kind: 'basic', user: orthanc.user, password: orthanc.password },
    });
    const error = await failure(wrongRoot.checkConnection());
    expect(error.code).toBe('REMOTE_ERROR');
    expect(error.message).toMatch(/404|not DICOM JSON/);
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(client().searchStudies({}, controller.signal));
    expect(error.code).toBe('CANCELLED');
    const series = jane.series[0]!;
    const midway = new AbortController();
    const stream = client().retrieveSeries(jane.studyInstanceUid, series.seriesInstanceUid, midway.signal);
    const first = await stream.next();
    expect(first.done).toBe(false);
    midway.abort();
    const rest = await failure(
      (async () => {
        for (;;) {
          const next = await stream.next();
          if (next.done) return;
        }
      })(),
    );
    expect(rest.code).toBe('CANCELLED');
  });
});

describe('DicomWebClient against broken servers', () => {
  let server: Server;
  let base = '';
  let answer: (response: import('node:http').ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    server = createServer((_request, response) => answer(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/dicom-web`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('says REMOTE_UNREACHABLE for a port nobody listens on', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      new DicomWebClient({ baseUrl: `http://127.0.0.1:${port}/dicom-web` }).checkConnection(),
    );
    expect(error.code).toBe('REMOTE_UNREACHABLE');
    expect(error.message).toContain('connection refused');
  });

  it('refuses an HTML page, a JSON object, a redirect and a broken multipart answer', async () => {
    const client = new DicomWebClient({ baseUrl: base, auth: { kind: 'bearer', token: 'abc' } });
    answer = (r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    expect((await failure(client.checkConnection())).message).toContain('not DICOM JSON');
    answer = (r) => r.writeHead(200, { 'content-type': 'application/dicom+json' }).end('{"error":1}');
    expect((await failure(client.checkConnection())).message).toContain('not a DICOM JSON array');
    answer = (r) =>
      r
        .writeHead(200, { 'content-type': 'application/dicom+json' })
        .end('[{"0020000D":{"vr":"UI","Value":["../x"]}}]');
    expect((await failure(client.searchStudies({}))).message).toContain('without a valid UID');
    answer = (r) => r.writeHead(302, { location: 'http://elsewhere.example/login' }).end();
    const redirect = await failure(client.checkConnection());
    expect(redirect.code).toBe('REMOTE_ERROR');
    expect(redirect.message).toContain('does not follow redirects');
    answer = (r) => r.writeHead(500).end('boom');
    expect((await failure(client.checkConnection())).message).toContain('500');
    answer = (r) =>
      r
        .writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=xyz' })
        .end('--xyz\r\nContent-Type: text/plain\r\n\r\nhello\r\n--xyz--');
    expect((await failure(client.retrieveInstance('1.2', '1.3', '1.4'))).message).toContain(
      'not application/dicom',
    );
    answer = (r) =>
      r
        .writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=xyz' })
        .end('--xyz\r\nContent-Type: application/dicom\r\n\r\nhalf a file');
    expect((await failure(client.retrieveInstance('1.2', '1.3', '1.4'))).code).toBe('TRUNCATED');
  });

  it('gives up on a server that stops sending (idle timeout)', async () => {
    const client = new DicomWebClient({ baseUrl: base, limits: { idleTimeoutMs: 300 } });
    answer = (r) => {
      r.writeHead(200, { 'content-type': 'application/dicom+json' });
      r.write('[');
    };
    const error = await failure(client.checkConnection());
    expect(error.code).toBe('REMOTE_UNREACHABLE');
    expect(error.message).toContain('sent nothing');
  });

  it('does not time out while the caller works on a part of a series stream', async () => {
    const client = new DicomWebClient({ baseUrl: base, limits: { idleTimeoutMs: 200 } });
    answer = (r) =>
      r
        .writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=xyz' })
        .end(
          '--xyz\r\nContent-Type: application/dicom\r\n\r\none\r\n--xyz\r\nContent-Type: application/dicom\r\n\r\ntwo\r\n--xyz--',
        );
    const parts: string[] = [];
    for await (const part of client.retrieveSeries('1.2', '1.3')) {
      parts.push(Buffer.from(part).toString());
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect(parts).toEqual(['one', 'two']);
  });

  it('refuses a JSON answer over the cap', async () => {
    const client = new DicomWebClient({ baseUrl: base, limits: { maxJsonBytes: 1000 } });
    answer = (r) =>
      r.writeHead(200, { 'content-type': 'application/dicom+json' }).end(`[${'{},'.repeat(1000)}{}]`);
    expect((await failure(client.checkConnection())).code).toBe('TOO_LARGE');
  });
});
