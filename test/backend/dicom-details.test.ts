import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptContainer } from '../../src/core/crypto/container.js';
import type { AppService } from '../../src/backend/service.js';
import { writeDicom } from '../core/image/dicom-writer.js';
import { base64, brightnessPng, serviceCalls, startTestService } from './harness.js';

/** Distinctive, so that a hit anywhere in the workspace can only be a leak. */
const PATIENT_NAME = 'Qwyzzle^Marjatta';
const PATIENT_ID = 'PHI-ZX-90817';

/** A 24×16 CT-like file (values in HU after rescale) with two presets and the patient elements. */
function ctFile(seed = 0): Uint8Array {
  return writeDicom({
    rows: 16,
    columns: 24,
    values: Array.from({ length: 16 * 24 }, (_, i) => (i % 24) * 60 + Math.floor(i / 24) * 10 + seed),
    rescale: { slope: 1, intercept: -1024 },
    window: { center: [40, -600], width: [400, 1500] },
    extra: [
      { tag: [0x0008, 0x0020], vr: 'DA', value: '20260412' },
      { tag: [0x0008, 0x0060], vr: 'CS', value: 'CT' },
      { tag: [0x0008, 0x1030], vr: 'LO', value: 'THORAX NATIVE' },
      { tag: [0x0008, 0x103e], vr: 'LO', value: 'LUNG 1.0' },
      { tag: [0x0010, 0x0010], vr: 'PN', value: PATIENT_NAME },
      { tag: [0x0010, 0x0020], vr: 'LO', value: PATIENT_ID },
      { tag: [0x0018, 0x0015], vr: 'CS', value: 'CHEST' },
    ],
  });
}

/** Every byte pattern the name or the ID could take in a file: UTF-8/Latin-1, UTF-16 LE/BE, any case, parts. */
function needles(): { what: string; bytes: Buffer }[] {
  const texts = new Set<string>();
  for (const text of [PATIENT_NAME, PATIENT_ID, ...PATIENT_NAME.split('^'), PATIENT_NAME.replace('^', ' ')]) {
    texts.add(text);
    texts.add(text.toLowerCase());
    texts.add(text.toUpperCase());
  }
  const out: { what: string; bytes: Buffer }[] = [];
  for (const text of texts) {
    out.push({ what: `${text} (UTF-8)`, bytes: Buffer.from(text, 'utf8') });
    const le = Buffer.from(text, 'utf16le');
    out.push({ what: `${text} (UTF-16LE)`, bytes: le });
    out.push({ what: `${text} (UTF-16BE)`, bytes: Buffer.from(le).swap16() });
  }
  return out;
}

async function filesUnder(folder: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else files.push(path);
  }
  return files;
}

/** Each file (relative path) that holds any of the needles, with what it holds. Also file names. */
async function leaks(root: string): Promise<string[]> {
  const found: string[] = [];
  const patterns = needles();
  for (const path of await filesUnder(root)) {
    const bytes = await readFile(path);
    const name = Buffer.from(path.slice(root.length), 'utf8');
    for (const { what, bytes: needle } of patterns) {
      if (bytes.includes(needle)) found.push(`${path.slice(root.length)}: ${what}`);
      if (name.includes(needle)) found.push(`file name ${path.slice(root.length)}: ${what}`);
    }
  }
  return found;
}

let service: AppService;
const { call } = serviceCalls(() => service);

beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.close();
});

describe('DICOM details: visible to the key holder, nowhere in the workspace in clear', () => {
  it("seals an interrupted path import's journal: the folder names no patient on disk, and it resumes", async () => {
    const own = await startTestService();
    try {
      const folder = join(
        await mkdtemp(join(tmpdir(), 'cipherlens-phi-paths-')),
        `${PATIENT_NAME} ${PATIENT_ID}`,
      );
      await mkdir(folder);
      for (let n = 0; n < 30; n++) await writeFile(join(folder, `IM${n}.dcm`), ctFile(n));
      const { jobId } = await own.handlers.importPaths({
        paths: [folder],
        conversion: { fit: 'resize', dicomFrame: 0, dicomWindow: 'file' },
        labelFromFolder: false,
      });
      const stop = own.onJobEvent((event) => {
        if (event.id === jobId && event.progress.done >= 3) void own.handlers.jobsCancel({ jobId });
      });
      expect((await own.context.jobs.wait(jobId)).status).toBe('cancelled');
      stop();
      const workspace = own.context.workspace;
      const journal = await readFile(workspace.layout.pendingImport, 'utf8');
      expect(JSON.parse(journal)).toMatchObject({ kind: 'import-paths', total: 30 });
      expect(journal).not.toContain('cipherlens-phi-paths');
      expect(await leaks(dirname(workspace.path))).toEqual([]);
      expect((await own.handlers.workspaceInfo({})).pendingImport).toMatchObject({ jobKind: 'import-paths' });

      // Only the importing key opens it; with that key the import resumes and completes.
      const importing = own.context.settings.get().activeKey!;
      await own.handlers.keysGenerate({ label: 'other', activate: true });
      await expect(own.call('importResume', {})).rejects.toMatchObject({ code: 'WRONG_KEY' });
      await own.handlers.keysSelect({ fingerprint: importing });
      const resumed = await own.context.jobs.wait((await own.handlers.importResume({})).jobId);
      expect(resumed.status).toBe('done');
      expect((await own.handlers.workspaceInfo({})).itemCount).toBe(30);
      expect(await leaks(dirname(workspace.path))).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('imports a DICOM file, answers its details, re-windows its model input, and leaks no PHI to disk', async () => {
    const imported = await call('importUpload', {
      files: [
        { name: `${PATIENT_NAME} ${PATIENT_ID}.dcm`, dataBase64: base64(ctFile()), label: 'dark' },
        { name: 'plain.png', dataBase64: base64(await brightnessPng(200, 1)), label: 'bright' },
      ],
    });
    expect(imported.skipped).toEqual([]);
    const [id, plainId] = imported.imported as [string, string];
    const { items } = await call('libraryItems', { ids: [id] });
    expect(items[0]!.name).toMatch(/^DICOM image [0-9a-f]{8}$/);
    expect(items[0]!.source).not.toContain(PATIENT_NAME);

    // Everything that writes to the workspace: an index, an evaluation (with the DICOM item in it), predictions.
    expect((await service.context.jobs.wait((await call('retrieveBuildIndex')).jobId)).status).toBe('done');
    expect((await service.context.jobs.wait((await call('evaluateRun')).jobId)).status).toBe('done');
    expect(
      (await service.context.jobs.wait((await call('classifyBatch', { ids: [id, plainId] })).jobId)).status,
    ).toBe('done');

    const answered = await call('libraryDicom', { id });
    expect(answered).toMatchObject({ id, hasDetails: true, canDecrypt: true, damage: null });
    expect(answered.details).toMatchObject({
      fileName: `${PATIENT_NAME} ${PATIENT_ID}.dcm`,
      patientName: PATIENT_NAME,
      patientId: PATIENT_ID,
      studyDate: '20260412',
      studyDescription: 'THORAX NATIVE',
      seriesDescription: 'LUNG 1.0',
      modality: 'CT',
      bodyPart: 'CHEST',
      rows: 16,
      columns: 24,
      bitsStored: 16,
      photometric: 'MONOCHROME2',
      importWindow: { center: 40, width: 400, source: 'file' },
      currentWindow: { center: 40, width: 400, source: 'file' },
      valueRange: { min: -1024, max: -1024 + 23 * 60 + 15 * 10 },
    });
    expect(answered.details!.windowPresets.map((p) => [p.center, p.width])).toEqual([
      [40, 400],
      [-600, 1500],
    ]);
    expect(await call('libraryDicom', { id: plainId })).toEqual({
      id: plainId,
      hasDetails: false,
      canDecrypt: false,
      details: null,
      damage: null,
    });

    // A live preview: the frame at its own size (below maxSide), windowed; nothing changes on disk.
    const preview = await call('libraryDicomPreview', { id, window: { center: -600, width: 1500 } });
    expect(preview).toMatchObject({
      id,
      width: 24,
      height: 16,
      window: { source: 'chosen', function: 'LINEAR' },
    });
    const small = await call('libraryDicomPreview', { id, window: { center: 40, width: 400 }, maxSide: 16 });
    expect([small.width, small.height]).toEqual([16, 11]);

    const { workspace, keys } = service.context;
    const before = decryptContainer(
      keys.key(workspace.require(id).keyFingerprint),
      await workspace.readContainer(id),
    );
    const applied = await call('libraryDicomApply', { id, window: { center: -600, width: 1500 } });
    expect(applied.item.prediction).toBeNull();
    expect(applied.item.size).toBe(16);
    expect(applied.item.conversion).toContain(
      'window C=-600 W=1500 (chosen in the item dialog, LINEAR) to 8 bits',
    );
    expect(applied.item.conversion.join('\n')).not.toMatch(/from the file/);
    expect(applied.indexesUpdated).toEqual([
      `tiny-inference-model--${workspace.require(id).keyFingerprint}.clvs`,
    ]);
    expect(applied.evaluationStale).toBe(true);
    expect((await call('evaluateGet')).report!.changedItems).toEqual([id]);
    expect((await call('retrieveIndexStatus')).missing).toBe(1);
    const after = decryptContainer(
      keys.key(workspace.require(id).keyFingerprint),
      await workspace.readContainer(id),
    );
    expect(after.header.size).toBe(before.header.size);
    expect(Buffer.from(after.pixels).equals(Buffer.from(before.pixels))).toBe(false);
    expect((await call('libraryDicom', { id })).details!.currentWindow).toMatchObject({
      center: -600,
      width: 1500,
      source: 'chosen',
    });

    // The whole state (workspace, settings, key ring), every file, every encoding: neither the name nor the ID.
    const root = dirname(workspace.path);
    expect((await filesUnder(workspace.path)).some((path) => path.endsWith('.clsc'))).toBe(true);
    expect(await leaks(root)).toEqual([]);
    // The search finds them where they are: in the original file (and in UTF-16, and in a file's name).
    const control = await mkdtemp(join(tmpdir(), 'cipherlens-phi-control-'));
    await writeFile(join(control, 'copy.dcm'), ctFile());
    await writeFile(
      join(control, 'notes.txt'),
      Buffer.from(`patient ${PATIENT_ID.toLowerCase()}`, 'utf16le'),
    );
    await writeFile(join(control, `${PATIENT_NAME.split('^')[0]}.txt`), '');
    expect(await leaks(control)).toEqual(
      expect.arrayContaining([
        `/copy.dcm: ${PATIENT_NAME} (UTF-8)`,
        `/copy.dcm: ${PATIENT_ID} (UTF-8)`,
        `/notes.txt: ${PATIENT_ID.toLowerCase()} (UTF-16LE)`,
        `file name /${PATIENT_NAME.split('^')[0]}.txt: ${PATIENT_NAME.split('^')[0]} (UTF-8)`,
      ]),
    );

    // Another key: the details exist but stay encrypted.
    await call('keysGenerate', { label: 'other', activate: true });
    expect(await call('libraryDicom', { id })).toEqual({
      id,
      hasDetails: true,
      canDecrypt: false,
      details: null,
      damage: null,
    });
    await expect(
      call('libraryDicomPreview', { id, window: { center: 0, width: 100 } }),
    ).rejects.toMatchObject({
      code: 'WRONG_KEY',
    });
    expect(await leaks(root)).toEqual([]);

    // A key rotation to the new key takes the details along (the sidecar re-encrypted, the old one gone).
    const from = workspace.require(id).keyFingerprint;
    const to = service.context.settings.get().activeKey!;
    const oldSidecar = workspace.require(id).sidecar!;
    await call('workspaceRekey', { fromFingerprint: from, toFingerprint: to });
    expect((await service.context.rekey.wait())?.status).toBe('done');
    expect(workspace.require(id).sidecar).toBe(`${id}.${to}.clsc`);
    expect((await filesUnder(workspace.path)).some((path) => path.endsWith(oldSidecar))).toBe(false);
    const rotated = await call('libraryDicom', { id });
    expect(rotated).toMatchObject({
      canDecrypt: true,
      details: { patientName: PATIENT_NAME, patientId: PATIENT_ID },
    });
    expect(rotated.details!.currentWindow).toMatchObject({ center: -600, width: 1500, source: 'chosen' });
    expect(await leaks(root)).toEqual([]);
  });
});
