import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGreyPng } from '../../../src/core/image/decode.js';

export async function temporaryFolder(prefix = 'cipherlens-ws-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A deterministic, distinct grey PNG per seed. */
export async function gradientPng(seed: number, width = 16, height = width): Promise<Buffer> {
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * (seed + 3) + seed * 17) & 0xff;
  return encodeGreyPng({ pixels, width, height });
}

/** class-folder layout: <root>/<label>/<label>-<n>.png */
export async function writeClassFolders(root: string, perClass: Record<string, number>): Promise<string[]> {
  const paths: string[] = [];
  let seed = 0;
  for (const [label, count] of Object.entries(perClass)) {
    await mkdir(join(root, label), { recursive: true });
    for (let n = 0; n < count; n++) {
      const path = join(root, label, `${label}-${n}.png`);
      await writeFile(path, await gradientPng(seed++));
      paths.push(path);
    }
  }
  return paths;
}
