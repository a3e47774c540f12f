import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import exportDataset from '../../src/cli/commands/export-dataset.js';
import { createImageCipher } from '../../src/core/crypto/cipher.js';
import { loadKeyFile } from '../../src/core/crypto/keys.js';
import { loadClassFolders } from '../../src/core/datasets/class-folders.js';
import type { TensorManifest } from '../../src/core/datasets/export.js';
import { readNpy } from '../../src/core/datasets/npy.js';
import { greyPng, makeTempDir, pattern } from '../core/datasets/fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await temp.cleanup();
});

async function writeFolderDataset(root: string): Promise<void> {
  for (const [className, offset] of [
    ['circles', 0],
    ['squares', 100],
  ] as const) {
    await mkdir(join(root, className), { recursive: true });
    for (let i = 0; i < 10; i++) {
      await writeFile(join(root, className, `${i}.png`), await greyPng(pattern(32, offset + i), 32));
    }
  }
}

describe('cipherlens export-dataset', () => {
  it('exports a class-folder dataset under the demo key and the images decrypt to the originals', async () => {
    const root = join(temp.dir, 'shapes');
    const out = join(temp.dir, 'out');
    await writeFolderDataset(root);
    const code = await exportDataset.run([
      '--dataset',
      root,
      '--condition',
      'arnold+xor',
      '--size',
      '32',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as TensorManifest;
    const demoKey = await loadKeyFile('resources/keys/demo.key');
    expect(manifest).toMatchObject({
      dataset: 'shapes',
      classes: ['circles', 'squares'],
      imageSize: 32,
      condition: 'arnold+xor',
      keyFingerprint: demoKey.fingerprint,
      splits: { train: 16, val: 2, test: 2 },
    });
    const test = await readNpy(join(out, 'test-images.npy'));
    const cipher = createImageCipher(demoKey, 'arnold+xor', 32);
    const decrypted = new Uint8Array(test.data.length);
    cipher.decryptBatch(test.data, decrypted);
    const originals = (await loadClassFolders(root, { imageSize: 32 })).parts.all!.images;
    const originalSet = new Set<string>();
    for (let i = 0; i < 20; i++)
      originalSet.add(Buffer.from(originals.subarray(i * 1024, (i + 1) * 1024)).toString('hex'));
    for (let i = 0; i < 2; i++) {
      expect(originalSet.has(Buffer.from(decrypted.subarray(i * 1024, (i + 1) * 1024)).toString('hex'))).toBe(
        true,
      );
    }
  });

  it('rejects a missing --condition, an unknown condition and an unknown dataset with clear errors', async () => {
    await expect(exportDataset.run(['--dataset', 'mnist'])).rejects.toThrow(
      /--dataset and --condition are required/,
    );
    await expect(exportDataset.run(['--dataset', 'mnist', '--condition', 'rot13'])).rejects.toThrow(
      /unknown encryption condition "rot13"/,
    );
    await expect(
      exportDataset.run([
        '--dataset',
        join(temp.dir, 'nope'),
        '--condition',
        'plain',
        '--out',
        join(temp.dir, 'o'),
      ]),
    ).rejects.toThrow(/unknown dataset/);
  });
});
