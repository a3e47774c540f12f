import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptContainer } from '../../../src/core/crypto/container.js';
import { generateKey, type CipherKey } from '../../../src/core/crypto/keys.js';
import { openDicomSidecar } from '../../../src/core/workspace/dicom-sidecar.js';
import { collectImportFiles } from '../../../src/core/workspace/import-files.js';
import { fileImportInput } from '../../../src/core/workspace/import-inputs.js';
import { importImages } from '../../../src/core/workspace/importer.js';
import { rekeyWorkspace } from '../../../src/core/workspace/rekey.js';
import { Workspace } from '../../../src/core/workspace/workspace.js';
import { writeDicom } from '../image/dicom-writer.js';
import { gradientPng, temporaryFolder } from './helpers.js';

const hex = (key: CipherKey): string => Buffer.from(key.bytes).toString('hex');

function runFixture(
  mode: 'import' | 'rekey',
  root: string,
  images: string,
  keys: [CipherKey, CipherKey],
  step: number,
): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'crash-dicom.fixture.ts'),
      mode,
      root,
      images,
      hex(keys[0]),
      hex(keys[1]),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CIPHERLENS_CRASH_AFTER_STEP: String(step) },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ output, signal })));
}

/** After any crash: no problem on open, every item decrypts, every DICOM item's sidecar opens, no stray sidecar. */
async function checkConsistent(root: string, keys: readonly CipherKey[], what: string): Promise<Workspace> {
  const workspace = await Workspace.open(root, { create: true });
  expect(workspace.problems, what).toEqual([]);
  const names = await readdir(workspace.layout.items);
  for (const item of workspace.list()) {
    const key = keys.find((candidate) => candidate.fingerprint === item.keyFingerprint)!;
    expect(decryptContainer(key, await workspace.readContainer(item.id)).pixels.length, what).toBe(16 * 16);
    if (item.label === 'ct') {
      expect(item.sidecar, what).toBe(`${item.id}.${item.keyFingerprint}.clsc`);
      const sidecar = await openDicomSidecar(key, item.id, (await workspace.readSidecar(item.id))!);
      expect(sidecar.details.metadata.patientId, what).toBe('CRASH-1');
    }
  }
  const named = new Set(workspace.list().flatMap((item) => (item.sidecar ? [item.sidecar] : [])));
  expect(
    names.filter((name) => name.endsWith('.clsc') && !named.has(name)),
    what,
  ).toEqual([]);
  expect(
    names.filter((name) => name.endsWith('.tmp')),
    what,
  ).toEqual([]);
  return workspace;
}

describe('a DICOM item killed at every file-system step (import, then key rotation)', () => {
  it('always opens clean with exactly one readable sidecar per DICOM item, and resumes', async () => {
    const images = await temporaryFolder();
    const ct = writeDicom({
      rows: 4,
      columns: 4,
      values: Array.from({ length: 16 }, (_, i) => i * 100),
      window: { center: 800, width: 1600 },
      extra: [{ tag: [0x0010, 0x0020], vr: 'LO', value: 'CRASH-1' }],
    });
    await mkdir(join(images, 'ct'));
    await mkdir(join(images, 'png'));
    await writeFile(join(images, 'ct', 'scan.dcm'), ct);
    await writeFile(join(images, 'png', 'photo.png'), await gradientPng(1));
    const from = generateKey();
    const to = generateKey();
    const { files } = await collectImportFiles([images]);
    const inputs = () =>
      files.map((file) => fileImportInput(file, file.folderLabel, { size: 16, fit: 'resize' }));

    let crashes = 0;
    let finished = false;
    for (let step = 1; !finished; step++) {
      expect(step, 'the import should finish within 60 steps').toBeLessThan(60);
      const root = await temporaryFolder();
      const run = await runFixture('import', root, images, [from, to], step);
      finished = run.output.includes('finished');
      if (!finished) {
        expect(run.signal, `import step ${step}`).toBe('SIGKILL');
        crashes++;
      }
      const workspace = await checkConsistent(root, [from], `import, crash after step ${step}`);
      const resumed = await importImages(workspace, inputs(), {
        key: from,
        condition: 'arnold+xor',
        conversionTag: 'size=16',
        fit: 'resize',
      });
      expect(resumed.alreadyPresent + resumed.imported.length, `import step ${step}`).toBe(2);
      await checkConsistent(root, [from], `import step ${step}, resumed`);
    }
    expect(crashes).toBeGreaterThanOrEqual(6);

    // A finished workspace, rotated with a crash after each step in turn.
    const base = await temporaryFolder();
    expect((await runFixture('import', base, images, [from, to], 0)).output).toContain('finished');
    let rotations = 0;
    finished = false;
    for (let step = 1; !finished; step++) {
      expect(step, 'the rotation should finish within 60 steps').toBeLessThan(60);
      const root = await temporaryFolder();
      await cp(base, root, { recursive: true });
      const run = await runFixture('rekey', root, images, [from, to], step);
      finished = run.output.includes('finished');
      if (!finished) {
        expect(run.signal, `rekey step ${step}`).toBe('SIGKILL');
        rotations++;
      }
      const workspace = await checkConsistent(root, [from, to], `rekey, crash after step ${step}`);
      await rekeyWorkspace(workspace, { from, to });
      const done = await checkConsistent(root, [from, to], `rekey step ${step}, resumed`);
      expect(
        done.list().every((item) => item.keyFingerprint === to.fingerprint),
        `rekey step ${step}`,
      ).toBe(true);
    }
    expect(rotations).toBeGreaterThanOrEqual(6);
    console.log(
      `DICOM import crashed at ${crashes} steps, key rotation at ${rotations} steps; all consistent`,
    );
  }, 400_000);
});
