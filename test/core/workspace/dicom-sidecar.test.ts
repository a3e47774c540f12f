import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { decryptContainer } from '../../../src/core/crypto/container.js';
import { generateKey } from '../../../src/core/crypto/keys.js';
import {
  chosenWindow,
  conversionWithWindow,
  openDicomSidecar,
  rewindowedInput,
  windowFor,
  windowFrame,
} from '../../../src/core/workspace/dicom-sidecar.js';
import { bytesImportInput } from '../../../src/core/workspace/import-inputs.js';
import { DICOM_SOURCE, importImages } from '../../../src/core/workspace/importer.js';
import { rekeyWorkspace } from '../../../src/core/workspace/rekey.js';
import { Workspace } from '../../../src/core/workspace/workspace.js';
import { writeDicom } from '../image/dicom-writer.js';
import { gradientPng, temporaryFolder } from './helpers.js';

const PN = 'Sidecar^Patricia';
const PID = 'SC-4711';

/** A 6×4 CT-like frame (rescaled to HU) with two window presets and the patient elements. */
function ctFile(photometric = 'MONOCHROME2'): Uint8Array {
  return writeDicom({
    rows: 4,
    columns: 6,
    photometric,
    values: Array.from({ length: 24 }, (_, i) => i * 90),
    rescale: { slope: 1, intercept: -1024 },
    window: { center: [40, 300], width: [400, 1500] },
    extra: [
      { tag: [0x0008, 0x0020], vr: 'DA', value: '20260412' },
      { tag: [0x0008, 0x0060], vr: 'CS', value: 'CT' },
      { tag: [0x0008, 0x1030], vr: 'LO', value: 'CHEST W/O' },
      { tag: [0x0010, 0x0010], vr: 'PN', value: PN },
      { tag: [0x0010, 0x0020], vr: 'LO', value: PID },
      { tag: [0x0018, 0x0015], vr: 'CS', value: 'CHEST' },
    ],
  });
}

const options = { size: 16, fit: 'resize' as const };

async function importCt(workspace: Workspace, key = generateKey(), photometric?: string) {
  const outcome = await importImages(
    workspace,
    [bytesImportInput(`${PN}.dcm`, ctFile(photometric), 'lung', options)],
    { key, condition: 'arnold+xor', conversionTag: 'size=16', fit: 'resize' },
  );
  expect(outcome.skipped).toEqual([]);
  return { key, item: workspace.require(outcome.imported[0]!) };
}

describe('DICOM items keep their details in an encrypted sidecar', () => {
  it('stores header fields, file name and modality values encrypted; the record says nothing identifying', async () => {
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const { key, item } = await importCt(workspace);
    expect(item.name).toMatch(/^DICOM image [0-9a-f]{8}$/);
    expect(item.source).toBe(DICOM_SOURCE);
    expect(item.window).toMatchObject({ center: 40, width: 400, source: 'file' });
    expect(item.sidecar).toBe(`${item.id}.${key.fingerprint}.clsc`);
    // Format 3: a build that predates sidecars refuses the workspace rather than drop a record's sidecar field.
    expect(workspace.formatVersion).toBe(3);
    const sidecar = await openDicomSidecar(key, item.id, (await workspace.readSidecar(item.id))!);
    expect(sidecar.details.file).toEqual({ name: `${PN}.dcm`, source: `uploaded ${PN}.dcm` });
    expect(sidecar.details.metadata).toMatchObject({
      patientName: PN,
      patientId: PID,
      studyDate: '20260412',
      studyDescription: 'CHEST W/O',
      modality: 'CT',
      bodyPart: 'CHEST',
      rows: 4,
      columns: 6,
    });
    expect(sidecar.details.metadata.windowPresets.map((p) => [p.center, p.width])).toEqual([
      [40, 400],
      [300, 1500],
    ]);
    expect([...sidecar.modality.subarray(0, 3)]).toEqual([-1024, -934, -844]);
    // The same window as the import gives the very pixels the import stored.
    const stored = decryptContainer(key, await workspace.readContainer(item.id)).pixels;
    expect(Buffer.from(await rewindowedInput(sidecar, { center: 40, width: 400 }, 16))).toEqual(
      Buffer.from(stored),
    );
    // Another key opens neither the sidecar nor anything else.
    await expect(
      openDicomSidecar(generateKey(), item.id, (await workspace.readSidecar(item.id))!),
    ).rejects.toThrow(/wrong key/);
  });

  it('renders MONOCHROME1 inverted, as the import does', async () => {
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const { key, item } = await importCt(workspace, generateKey(), 'MONOCHROME1');
    const sidecar = await openDicomSidecar(key, item.id, (await workspace.readSidecar(item.id))!);
    expect(sidecar.details.frame.photometric).toBe('MONOCHROME1');
    const grey = windowFrame(sidecar, { center: 40, width: 400 });
    expect(grey[0]).toBe(255); // −1024 HU, below the window: black, inverted to white
    const stored = decryptContainer(key, await workspace.readContainer(item.id)).pixels;
    expect(Buffer.from(await rewindowedInput(sidecar, { center: 40, width: 400 }, 16))).toEqual(
      Buffer.from(stored),
    );
  });

  it("going back to an automatic (LINEAR_EXACT) import window gives back the import's very pixels", async () => {
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const key = generateKey();
    const file = writeDicom({
      rows: 5,
      columns: 5,
      values: Array.from({ length: 25 }, (_, i) => i * 37 + 3),
    });
    const outcome = await importImages(workspace, [bytesImportInput('auto.dcm', file, null, options)], {
      key,
      condition: 'arnold+xor',
      conversionTag: 'size=16',
      fit: 'resize',
    });
    const item = workspace.require(outcome.imported[0]!);
    expect(item.window).toMatchObject({ source: 'auto', function: 'LINEAR_EXACT' });
    const sidecar = await openDicomSidecar(key, item.id, (await workspace.readSidecar(item.id))!);
    const { center, width } = sidecar.details.importWindow;
    expect(windowFor(sidecar, { center, width })).toEqual(sidecar.details.importWindow);
    const stored = decryptContainer(key, await workspace.readContainer(item.id)).pixels;
    expect(Buffer.from(await rewindowedInput(sidecar, { center, width }, 16))).toEqual(Buffer.from(stored));
    // The same numbers as a chosen LINEAR window would not: the function matters.
    expect(windowFor(sidecar, { center: center + 1e-9, width }).function).toBe('LINEAR');
  });

  it('replaces the window step of the conversion and refuses unusable windows', () => {
    const steps = ['DICOM 16-bit', 'window C=40 W=400 (from the file) to 8 bits', 'resized 6×4 to 16×16'];
    expect(conversionWithWindow(steps, chosenWindow({ center: -600, width: 1500 }))).toEqual([
      'DICOM 16-bit',
      'window C=-600 W=1500 (chosen in the item dialog, LINEAR) to 8 bits',
      'resized 6×4 to 16×16',
    ]);
    expect(() => chosenWindow({ center: Number.NaN, width: 10 })).toThrow(/centre/);
    expect(() => chosenWindow({ center: 0, width: 0 })).toThrow(/width/);
    expect(() => chosenWindow({ center: 1e300, width: 10 })).toThrow(/centre/);
    expect(chosenWindow({ center: 0.5, width: 0.25 }).function).toBe('LINEAR_EXACT');
  });

  it('removes the sidecar with its item, and sidecars no record names on open', async () => {
    const root = await temporaryFolder();
    const workspace = await Workspace.open(root, { create: true });
    const { item } = await importCt(workspace);
    const other = await importCt(workspace, generateKey());
    expect(other.item.sidecar).toBeDefined();
    await workspace.remove([item.id]);
    expect((await readdir(`${root}/items`)).filter((name) => name.startsWith(item.id))).toEqual([]);
    // A sidecar written by an import that stopped before its record: removed on the next open.
    await writeFile(`${root}/items/orphanId.0123456789abcdef.clsc`, 'x');
    const reopened = await Workspace.open(root);
    expect((await readdir(`${root}/items`)).filter((name) => name.endsWith('.clsc'))).toEqual([
      other.item.sidecar,
    ]);
    expect(reopened.require(other.item.id).sidecar).toBe(other.item.sidecar);
  });

  it('a key rotation re-encrypts the sidecar too, and an interrupted one leaves exactly one sidecar', async () => {
    const root = await temporaryFolder();
    const workspace = await Workspace.open(root, { create: true });
    const from = generateKey();
    const to = generateKey();
    const { item } = await importCt(workspace, from);
    // A plain image beside it has no sidecar and rotates as before.
    await importImages(workspace, [bytesImportInput('plain.png', await gradientPng(3), null, options)], {
      key: from,
      condition: 'arnold+xor',
      conversionTag: 'size=16',
    });
    const oldSidecar = item.sidecar!;
    await copyFile(`${root}/items/${oldSidecar}`, `${root}/old-copy.clsc`);
    const outcome = await rekeyWorkspace(workspace, { from, to });
    expect(outcome).toMatchObject({ rekeyed: 2, failed: [] });
    const moved = workspace.require(item.id);
    expect(moved.sidecar).toBe(`${item.id}.${to.fingerprint}.clsc`);
    const names = await readdir(`${root}/items`);
    expect(names).toContain(moved.sidecar);
    expect(names).not.toContain(oldSidecar);
    const sidecar = await openDicomSidecar(to, item.id, (await workspace.readSidecar(item.id))!);
    expect(sidecar.details.metadata.patientId).toBe(PID);

    // A crash after the record switched but before the old sidecar was deleted: the next open removes it.
    await copyFile(`${root}/old-copy.clsc`, `${root}/items/${oldSidecar}`);
    const reopened = await Workspace.open(root);
    expect((await readdir(`${root}/items`)).filter((name) => name.endsWith('.clsc'))).toEqual([
      moved.sidecar,
    ]);
    const again = await openDicomSidecar(to, item.id, (await reopened.readSidecar(item.id))!);
    expect(again.details.metadata.patientName).toBe(PN);
  });

  it('a rotation fails (and leaves alone) an item whose sidecar the old key cannot open', async () => {
    const root = await temporaryFolder();
    const workspace = await Workspace.open(root, { create: true });
    const from = generateKey();
    const { item } = await importCt(workspace, from);
    const path = `${root}/items/${item.sidecar}`;
    const bytes = await readFile(path);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(path, bytes);
    const outcome = await rekeyWorkspace(workspace, { from, to: generateKey() });
    expect(outcome.rekeyed).toBe(0);
    expect(outcome.failed).toMatchObject([{ id: item.id, code: 'INTEGRITY' }]);
    expect(workspace.require(item.id).keyFingerprint).toBe(from.fingerprint);
  });
});
