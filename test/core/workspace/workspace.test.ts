import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptContainer } from '../../../src/core/crypto/container.js';
import { generateKey, type CipherKey } from '../../../src/core/crypto/keys.js';
import { CipherLensError } from '../../../src/core/errors.js';
import { collectImportFiles } from '../../../src/core/workspace/import-files.js';
import { bytesImportInput, fileImportInput } from '../../../src/core/workspace/import-inputs.js';
import { DICOM_SOURCE, importImages } from '../../../src/core/workspace/importer.js';
import { Workspace } from '../../../src/core/workspace/workspace.js';
import { writeDicom } from '../image/dicom-writer.js';
import { gradientPng, temporaryFolder, writeClassFolders } from './helpers.js';

const options = { size: 32, fit: 'resize' as const };

async function importFolder(workspace: Workspace, folder: string, key: CipherKey, signal?: AbortSignal) {
  const { files } = await collectImportFiles([folder]);
  return importImages(
    workspace,
    files.map((file) => fileImportInput(file, file.folderLabel, options)),
    { key, condition: 'arnold+xor', conversionTag: 'size=32', ...(signal && { signal }) },
  );
}

async function expectAllDecrypt(workspace: Workspace, key: CipherKey): Promise<void> {
  for (const item of workspace.list()) {
    const opened = decryptContainer(key, await workspace.readContainer(item.id), item.id);
    expect(opened.pixels.length).toBe(item.size * item.size);
  }
}

describe('Workspace', () => {
  it('imports a class-folder tree as encrypted containers with labels from the folders', async () => {
    const images = await temporaryFolder();
    await writeClassFolders(images, { Hand: 2, CXR: 3 });
    const key = generateKey();
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const outcome = await importFolder(workspace, images, key);
    expect(outcome.imported).toHaveLength(5);
    expect(outcome.skipped).toEqual([]);
    expect(
      workspace
        .list()
        .map((item) => item.label)
        .sort(),
    ).toEqual(['CXR', 'CXR', 'CXR', 'Hand', 'Hand']);
    const stored = await readdir(workspace.layout.items);
    expect(stored.filter((name) => name.endsWith('.clens'))).toHaveLength(5);
    // At rest the pixels are ciphertext: no PNG, no plain bytes.
    const first = workspace.list()[0]!;
    expect(first.conversion.join(' ')).toMatch(/resized 16×16 → 32×32/);
    await expectAllDecrypt(workspace, key);
    const reopened = await Workspace.open(workspace.path);
    expect(reopened.list()).toEqual(workspace.list());
  });

  it('skips bad files with their reason and keeps going', async () => {
    const key = generateKey();
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const good = await gradientPng(1);
    const outcome = await importImages(
      workspace,
      [
        bytesImportInput('broken.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), null, options),
        bytesImportInput('ok.png', good, 'x', options),
        bytesImportInput(
          'jp2.dcm',
          writeDicom({
            rows: 2,
            columns: 2,
            bitsAllocated: 8,
            values: [1, 2, 3, 4],
            transferSyntax: '1.2.840.10008.1.2.4.91',
          }),
          null,
          options,
        ),
        bytesImportInput(
          'ct.dcm',
          writeDicom({
            rows: 4,
            columns: 4,
            values: new Array(16).fill(0).map((_, i) => i * 100),
            window: { center: 800, width: 1600 },
          }),
          'CT',
          options,
        ),
      ],
      { key, condition: 'arnold+xor', conversionTag: 'size=32' },
    );
    expect(outcome.imported).toHaveLength(2);
    expect(outcome.skipped.map((s) => [s.name, s.code])).toEqual([
      ['broken.png', 'IMAGE_DECODE'],
      ['jp2.dcm', 'IMAGE_DECODE'],
    ]);
    expect(outcome.skipped[1]!.reason).toMatch(/JPEG 2000/);
    // A DICOM item's record names neither the file nor its source (they are in its encrypted sidecar).
    const ct = workspace.list().find((item) => item.label === 'CT')!;
    expect(ct.name).toMatch(/^DICOM image [0-9a-f]{8}$/);
    expect(ct.source).toBe(DICOM_SOURCE);
    expect(ct.sidecar).toBe(`${ct.id}.${key.fingerprint}.clsc`);
    expect(ct.conversion[0]).toMatch(/DICOM 16-bit/);
  });

  it('resumes a cancelled import: nothing already stored is lost or duplicated', async () => {
    const images = await temporaryFolder();
    await writeClassFolders(images, { A: 4, B: 4 });
    const key = generateKey();
    const root = await temporaryFolder();
    const workspace = await Workspace.open(root, { create: true });
    const controller = new AbortController();
    const { files } = await collectImportFiles([images]);
    const inputs = files.map((file) => {
      const input = fileImportInput(file, file.folderLabel, options);
      return {
        ...input,
        decode: async () => {
          const image = await input.decode();
          if (workspace.size === 2) controller.abort();
          return image;
        },
      };
    });
    await expect(
      importImages(workspace, inputs, {
        key,
        condition: 'arnold+xor',
        conversionTag: 'size=32',
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    const stored = workspace.size;
    expect(stored).toBeGreaterThanOrEqual(2);
    expect(stored).toBeLessThan(8);

    const resumed = await importFolder(await Workspace.open(root), images, key);
    expect(resumed.alreadyPresent).toBe(stored);
    expect(resumed.imported).toHaveLength(8 - stored);
    const final = await Workspace.open(root);
    expect(final.size).toBe(8);
    expect(new Set(final.list().map((item) => item.sourceKey)).size).toBe(8);
  });

  it('survives a process killed mid-import (SIGKILL): every listed item decrypts, the rest resumes', async () => {
    const images = await temporaryFolder();
    await writeClassFolders(images, { A: 40, B: 40 });
    const key = generateKey();
    const root = await temporaryFolder();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'crash-import.fixture.ts'),
        root,
        images,
        Buffer.from(key.bytes).toString('hex'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let killedAfter = -1;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = chunk.toString().trim().split('\n');
        const last = Number(lines[lines.length - 1]);
        if (killedAfter < 0 && last >= 10) {
          killedAfter = last;
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve());
    });
    expect(killedAfter).toBeGreaterThanOrEqual(10);

    const afterCrash = await Workspace.open(root);
    expect(afterCrash.problems).toEqual([]);
    expect(afterCrash.size).toBeGreaterThanOrEqual(10);
    expect(afterCrash.size).toBeLessThan(80);
    await expectAllDecrypt(afterCrash, key);
    const leftovers = (await readdir(afterCrash.layout.items)).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).toEqual([]);

    const resumed = await importFolder(afterCrash, images, key);
    expect(resumed.alreadyPresent).toBe(afterCrash.size - resumed.imported.length);
    const final = await Workspace.open(root);
    expect(final.size).toBe(80);
    await expectAllDecrypt(final, key);
  });

  it('cleans half-written files and orphans on open, and reports damaged records without deleting them', async () => {
    const key = generateKey();
    const root = await temporaryFolder();
    const workspace = await Workspace.open(root, { create: true });
    await importImages(workspace, [bytesImportInput('a.png', await gradientPng(2), null, options)], {
      key,
      condition: 'arnold+xor',
      conversionTag: 't',
    });
    const items = workspace.layout.items;
    await writeFile(join(items, 'orphan.clens'), 'container without a record');
    await writeFile(join(items, 'x.json.0123456789ab.tmp'), '{"half":');
    await writeFile(join(items, 'bad.clens'), 'x');
    await writeFile(join(items, 'bad.json'), '{"format":"cipherlens-item"');
    const reopened = await Workspace.open(root);
    const names = await readdir(items);
    expect(names).not.toContain('orphan.clens');
    expect(names).not.toContain('x.json.0123456789ab.tmp');
    expect(names).toContain('bad.json');
    expect(reopened.size).toBe(1);
    expect(reopened.problems.map((p) => p.file)).toEqual(['bad.json']);
  });

  it('relabels and removes items durably', async () => {
    const key = generateKey();
    const root = await temporaryFolder();
    const workspace = await Workspace.open(root, { create: true });
    const outcome = await importImages(
      workspace,
      [
        bytesImportInput('a.png', await gradientPng(3), null, options),
        bytesImportInput('b.png', await gradientPng(4), null, options),
      ],
      { key, condition: 'xor', conversionTag: 't' },
    );
    const [first, second] = outcome.imported as [string, string];
    await workspace.update(first, { label: 'Hand' });
    expect(await workspace.remove([second, 'nope'])).toBe(1);
    const reopened = await Workspace.open(root);
    expect(reopened.list().map((item) => [item.id, item.label])).toEqual([[first, 'Hand']]);
    expect(JSON.parse(await readFile(reopened.layout.record(first), 'utf8')).label).toBe('Hand');
  });

  it('refuses a non-empty folder that is not a workspace, and a missing one without create', async () => {
    const folder = await temporaryFolder();
    await writeFile(join(folder, 'notes.txt'), 'mine');
    await expect(Workspace.open(folder, { create: true })).rejects.toThrow(
      /not empty and is not a CipherLens workspace/,
    );
    await expect(Workspace.open(join(folder, 'missing'))).rejects.toBeInstanceOf(CipherLensError);
  });
});
