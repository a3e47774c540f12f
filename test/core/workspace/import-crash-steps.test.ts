import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptContainer } from '../../../src/core/crypto/container.js';
import { generateKey, type CipherKey } from '../../../src/core/crypto/keys.js';
import { collectImportFiles } from '../../../src/core/workspace/import-files.js';
import { fileImportInput } from '../../../src/core/workspace/import-inputs.js';
import { importImages } from '../../../src/core/workspace/importer.js';
import { Workspace } from '../../../src/core/workspace/workspace.js';
import { temporaryFolder, writeClassFolders } from './helpers.js';

function runImportFixture(
  root: string,
  images: string,
  key: CipherKey,
  step: number,
): Promise<{ output: string; signal: NodeJS.Signals | null }> {
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
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CIPHERLENS_CRASH_AFTER_STEP: String(step) },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ output, signal })));
}

describe('import killed at every file-system step', () => {
  it('a SIGKILL right after any open or rename leaves a workspace that opens clean, decrypts, and resumes', async () => {
    const images = await temporaryFolder();
    await writeClassFolders(images, { A: 1, B: 1 });
    const key = generateKey();
    const { files } = await collectImportFiles([images]);
    let finished = false;
    let crashes = 0;
    for (let step = 1; !finished; step++) {
      expect(step, 'the import of two images should finish within 40 steps').toBeLessThan(40);
      const root = await temporaryFolder();
      const run = await runImportFixture(root, images, key, step);
      finished = run.output.includes('finished');
      if (!finished) {
        expect(run.signal, `step ${step}`).toBe('SIGKILL');
        crashes++;
      }
      // The workspace may not exist yet (a crash before it was created): then there is nothing to check.
      const afterCrash = await Workspace.open(root, { create: true });
      expect(afterCrash.problems, `crash after step ${step}`).toEqual([]);
      for (const item of afterCrash.list()) {
        const opened = decryptContainer(key, await afterCrash.readContainer(item.id), item.id);
        expect(opened.pixels.length, `crash after step ${step}`).toBe(item.size * item.size);
      }
      const leftovers = (await readdir(afterCrash.layout.items)).filter((name) => name.endsWith('.tmp'));
      expect(leftovers, `crash after step ${step}`).toEqual([]);
      const resumed = await importImages(
        afterCrash,
        files.map((file) => fileImportInput(file, file.folderLabel, { size: 32, fit: 'resize' })),
        { key, condition: 'arnold+xor', conversionTag: 'size=32' },
      );
      expect(resumed.alreadyPresent + resumed.imported.length, `crash after step ${step}`).toBe(2);
      const final = await Workspace.open(root);
      expect(final.size, `crash after step ${step}`).toBe(2);
    }
    // At least the two container and two record renames of the two images each got a crash of their own.
    console.log(`import crashed at ${crashes} file-system steps, then finished`);
    expect(crashes).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
