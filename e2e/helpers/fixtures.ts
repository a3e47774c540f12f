import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encryptToContainer } from '../../src/core/crypto/container.js';
import { generateKey, parseKey } from '../../src/core/crypto/keys.js';
import { writeDicom } from '../../test/core/image/dicom-writer.js';
import { REPO_ROOT } from './paths.js';

export interface ImportFolder {
  root: string;
  /** Class folder → file names inside it. */
  classes: Record<string, string[]>;
  total: number;
}

const SIZE = 64;

/** A grey 64×64 image: a bright disc or square on a dark background, shifted per index so images differ. */
function shapePixels(shape: 'disc' | 'square', index: number): Uint8Array {
  const pixels = new Uint8Array(SIZE * SIZE);
  const centre = 24 + (index % 5) * 4;
  const radius = 10 + (index % 3) * 3;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inside =
        shape === 'disc'
          ? (x - centre) ** 2 + (y - centre) ** 2 <= radius ** 2
          : Math.abs(x - centre) <= radius && Math.abs(y - centre) <= radius;
      pixels[y * SIZE + x] = inside ? 200 + (index % 40) : 20 + ((x + y + index) % 16);
    }
  }
  return pixels;
}

async function writePng(path: string, pixels: Uint8Array): Promise<void> {
  await sharp(Buffer.from(pixels), { raw: { width: SIZE, height: SIZE, channels: 1 } })
    .png()
    .toFile(path);
}

/** 16-bit CT-like DICOM with a window centre/width, so import must window it to 8 bits. */
function dicomBytes(index: number): Uint8Array {
  const values = new Uint16Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inBody = (x - 32) ** 2 + (y - 32) ** 2 <= (20 + index) ** 2;
      values[y * SIZE + x] = inBody ? 1000 + ((x * 7 + y * 3 + index * 11) % 400) : 0;
    }
  }
  return writeDicom({
    rows: SIZE,
    columns: SIZE,
    bitsAllocated: 16,
    values,
    window: { center: 1200, width: 800 },
  });
}

/**
 * The folder a person would import: class folders of PNGs the test draws, and a folder of DICOM files.
 * Labels come from the folder names.
 */
export async function makeImportFolder(parent: string, perClass = 4, dicomCount = 3): Promise<ImportFolder> {
  const root = join(parent, 'scans');
  const classes: Record<string, string[]> = { Discs: [], Squares: [], DicomCT: [] };
  for (const [name, shape] of [
    ['Discs', 'disc'],
    ['Squares', 'square'],
  ] as const) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const file = `${shape}-${i}.png`;
      await writePng(join(root, name, file), shapePixels(shape, i));
      classes[name]?.push(file);
    }
  }
  mkdirSync(join(root, 'DicomCT'), { recursive: true });
  for (let i = 0; i < dicomCount; i++) {
    const file = `slice-${i}.dcm`;
    writeFileSync(join(root, 'DicomCT', file), dicomBytes(i));
    classes['DicomCT']?.push(file);
  }
  const total = Object.values(classes).reduce((n, files) => n + files.length, 0);
  return { root, classes, total };
}

/** A file named like a PNG whose bytes are not an image. */
export function makeCorruptImage(parent: string): string {
  mkdirSync(parent, { recursive: true });
  const path = join(parent, 'corrupt-scan.png');
  const bytes = Buffer.alloc(2048);
  Buffer.from('\x89PNG\r\n\x1a\n').copy(bytes);
  for (let i = 8; i < bytes.length; i++) bytes[i] = (i * 97 + 13) & 0xff;
  writeFileSync(path, bytes);
  return path;
}

/** A "key file" that is not one. */
export function makeGarbageKeyFile(parent: string): string {
  mkdirSync(parent, { recursive: true });
  const path = join(parent, 'not-a-key.json');
  writeFileSync(path, JSON.stringify({ format: 'something-else', key: 'AAAA' }));
  return path;
}

/** One valid grey PNG, for flows that need any real image. */
export async function makeSinglePng(parent: string): Promise<string> {
  mkdirSync(parent, { recursive: true });
  const path = join(parent, 'probe.png');
  await writePng(path, shapePixels('disc', 1));
  return path;
}

export interface Containers {
  /** Encrypted with the public demo key: opens when that key is active. */
  demo: string;
  /** Encrypted with a key the app has never seen. */
  foreign: string;
  /** The demo file with one ciphertext byte changed. */
  tampered: string;
}

/** .clens files as `cipherlens encrypt` writes them, made with the core's own container writer. */
export function makeContainers(parent: string): Containers {
  mkdirSync(parent, { recursive: true });
  const demoKey = parseKey(readFileSync(join(REPO_ROOT, 'resources', 'keys', 'demo.key'), 'utf8'));
  const plain = shapePixels('square', 2);
  const demoBytes = encryptToContainer(demoKey, 'arnold+xor', SIZE, plain, { name: 'square.png' });
  const tamperedBytes = new Uint8Array(demoBytes);
  const middle = Math.floor(tamperedBytes.length / 2);
  tamperedBytes[middle] = (tamperedBytes[middle] ?? 0) ^ 0xff;
  const files: Containers = {
    demo: join(parent, 'demo-key.clens'),
    foreign: join(parent, 'other-key.clens'),
    tampered: join(parent, 'tampered.clens'),
  };
  writeFileSync(files.demo, demoBytes);
  writeFileSync(files.foreign, encryptToContainer(generateKey(), 'arnold+xor', SIZE, plain));
  writeFileSync(files.tampered, tamperedBytes);
  return files;
}
