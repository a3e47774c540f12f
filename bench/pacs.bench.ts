/**
 * Import from a PACS: a series of 16-bit CT-like 512×512 instances on a local Orthanc (DICOMweb plugin, loopback),
 * imported into a fresh workspace at 64×64 the way the app does it (QIDO-RS instance list, one WADO-RS request per
 * instance, decode, encrypt, store), then the same import again (every instance recognised by its keyed SOP-UID hash
 * and skipped without a download). Also the raw whole-series WADO-RS stream, to separate transfer from decoding.
 * Writes bench/results/pacs.json; skipped (with a note) where Orthanc is not installed.
 *   npm run bench -- pacs          (CIPHERLENS_BENCH_COUNT=N instances, default 200)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFromBytes } from '../src/core/crypto/keys.js';
import { DicomWebClient } from '../src/core/pacs/client.js';
import { importPacsSeries } from '../src/core/pacs/import-series.js';
import { Workspace } from '../src/core/workspace/workspace.js';
import { writeDicom } from '../test/core/image/dicom-writer.js';
import { newUid } from '../test/support/pacs-fixtures.js';
import { orthancAvailability, startOrthanc } from '../test/support/orthanc.js';
import { benchRecorder } from './results-file.js';

const COUNT = Number(process.env.CIPHERLENS_BENCH_COUNT ?? 200);
const SIDE = 512;

function ctSlice(index: number): Uint16Array {
  const values = new Uint16Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const inBody = (x - 256) ** 2 + (y - 256) ** 2 <= (180 + (index % 40)) ** 2;
      values[y * SIDE + x] = inBody ? 1000 + ((x * 7 + y * 3 + index * 11) % 400) : 0;
    }
  }
  return values;
}

export async function run(): Promise<void> {
  const { missing } = orthancAvailability();
  if (missing) {
    process.stdout.write(`skipped: ${missing}\n`);
    return;
  }
  const recorder = benchRecorder();
  const orthanc = await startOrthanc();
  const folder = await mkdtemp(join(tmpdir(), 'cipherlens-bench-pacs-'));
  try {
    const study = newUid();
    const series = newUid();
    let bytes = 0;
    for (let i = 0; i < COUNT; i++) {
      const file = writeDicom({
        rows: SIDE,
        columns: SIDE,
        bitsAllocated: 16,
        values: ctSlice(i),
        window: { center: 1200, width: 800 },
        extra: [
          { tag: [0x0008, 0x0018], vr: 'UI', value: newUid() },
          { tag: [0x0008, 0x0060], vr: 'CS', value: 'CT' },
          { tag: [0x0010, 0x0010], vr: 'PN', value: 'BENCH^PATIENT' },
          { tag: [0x0010, 0x0020], vr: 'LO', value: 'BENCH-1' },
          { tag: [0x0020, 0x000d], vr: 'UI', value: study },
          { tag: [0x0020, 0x000e], vr: 'UI', value: series },
          { tag: [0x0020, 0x0011], vr: 'IS', value: '1' },
          { tag: [0x0020, 0x0013], vr: 'IS', value: String(i + 1) },
        ],
      });
      bytes += file.length;
      await orthanc.upload(file);
    }
    const client = new DicomWebClient({
      baseUrl: orthanc.dicomWebUrl,
      auth: { kind: 'basic', user: orthanc.user, password: orthanc.password },
    });

    let started = performance.now();
    let streamed = 0;
    for await (const instance of client.retrieveSeries(study, series)) streamed += instance.length;
    const streamSeconds = (performance.now() - started) / 1000;

    const workspace = await Workspace.open(join(folder, 'workspace'), { create: true });
    const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i));
    const settings = {
      key,
      condition: 'arnold+xor' as const,
      fit: 'resize' as const,
      conversionTag: 'bench size=64',
      decodeOptions: { size: 64, fit: 'resize' as const, dicomFrame: 0, dicomWindow: 'file' as const },
      label: null,
    };
    const selection = { studyInstanceUid: study, seriesInstanceUids: [series] };
    started = performance.now();
    const first = await importPacsSeries(workspace, client, selection, settings);
    const importSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const second = await importPacsSeries(workspace, client, selection, settings);
    const resumeSeconds = (performance.now() - started) / 1000;
    if (first.imported.length !== COUNT || second.alreadyPresent !== COUNT) {
      throw new Error(
        `expected ${COUNT} imported then skipped: ${JSON.stringify({ first: first.imported.length, second })}`,
      );
    }
    const body = {
      instances: COUNT,
      instanceSide: SIDE,
      bitsAllocated: 16,
      seriesMiB: +(bytes / 1024 / 1024).toFixed(1),
      wholeSeriesStream: {
        seconds: +streamSeconds.toFixed(2),
        mibPerSecond: +(streamed / 1024 / 1024 / streamSeconds).toFixed(1),
      },
      importAt64: {
        seconds: +importSeconds.toFixed(2),
        instancesPerSecond: +(COUNT / importSeconds).toFixed(1),
      },
      rerunAllSkipped: {
        seconds: +resumeSeconds.toFixed(2),
        instancesPerSecond: +(COUNT / resumeSeconds).toFixed(1),
      },
    };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    await recorder.write('pacs', body);
  } finally {
    await orthanc.stop();
    await rm(folder, { recursive: true, force: true });
  }
}
