import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createGzip, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { encryptToContainer } from '../../src/core/crypto/container.js';
import { generateKey, serializeKey, serializeKeyText, type CipherKey } from '../../src/core/crypto/keys.js';
import { encodeIdx } from '../../src/core/datasets/idx.js';
import { encodeGreyPng } from '../../src/core/image/decode.js';
import { makeTar } from '../core/datasets/fixtures.js';
import { writeDicom } from '../core/image/dicom-writer.js';

/**
 * The standing hostile-input corpus: every input is crafted here, from a seed, so a run is reproducible and
 * nothing is downloaded. Each input names the entry point that gets it (see hostile.test.ts):
 *
 *   container  → `cipherlens decrypt`           image, dicom → `cipherlens encrypt`
 *   key        → `cipherlens decrypt --key`     passphrase   → `cipherlens decrypt --passphrase-file`
 *   idx        → readIdxFile (the MNIST loader) tar          → readTarGzFile (the MedNIST loader)
 *
 * and a deterministic sample of containers and images also goes through the browser host's HTTP API.
 */
export type Target = 'container' | 'image' | 'dicom' | 'key' | 'passphrase' | 'idx' | 'tar';

export interface HostileInput {
  /** The class it belongs to (budgets and the pending list are per class). */
  cls: string;
  target: Target;
  /** A Buffer for names that are not UTF-8. */
  path: string | Buffer;
  /** Also sent through the browser host API. */
  api?: boolean;
}

export interface Corpus {
  inputs: HostileInput[];
  key: CipherKey;
  keyPath: string;
  /** A valid container under `key`, for the key and passphrase inputs. */
  validContainer: string;
  protectedKeyPath: string;
  protectedContainer: string;
  passphrase: string;
}

/** mulberry32: small, seeded, good enough to pick mutations. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const noise = (count: number, random: () => number): Uint8Array =>
  Uint8Array.from({ length: count }, () => Math.floor(random() * 256));

/** Writes gzip(parts…) to `path` streaming, so the generator never holds the inflated bytes (nor their GC). */
async function writeGzipStream(path: string, parts: () => Iterable<Uint8Array>): Promise<void> {
  await pipeline(Readable.from(parts()), createGzip({ level: 1 }), createWriteStream(path));
}

function* zeros(bytes: number): Generator<Uint8Array> {
  const chunk = new Uint8Array(1 << 20);
  for (let left = bytes; left > 0; left -= chunk.length)
    yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

/** The first header of `tar`, rewritten to declare `size` bytes (checksum fixed up). */
function tarHeaderWithSize(tar: Buffer, size: number): Buffer {
  const header = Buffer.from(tar.subarray(0, 512));
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return header;
}

/** A PNG whose IHDR declares width×height (CRC fixed up, so only the size is a lie). */
function pngWithDims(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width >>> 0, 16);
  out.writeUInt32BE(height >>> 0, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)) >>> 0, 29);
  return out;
}

export async function buildCorpus(dir: string, scale = 1, seed = 20261201): Promise<Corpus> {
  const random = prng(seed);
  const inputs: HostileInput[] = [];
  let counter = 0;
  const posix = process.platform !== 'win32';
  const file = async (
    cls: string,
    target: Target,
    bytes: Uint8Array | string,
    name = `${target}-${counter}`,
    extra: Partial<HostileInput> = {},
  ): Promise<void> => {
    const folder = join(dir, cls);
    // Unicode names are used as they are (each is unique); others get a counter so that they never clash.
    const path = join(folder, cls === 'image-unicode-name' ? name : `${counter}-${name}`);
    counter++;
    await writeFile(path, bytes);
    inputs.push({ cls, target, path, ...extra });
  };
  /** Every `step`-th length from 0 to the whole, scaled (scale 1: every length). */
  const lengths = (total: number, everyAtScale1 = 1): number[] => {
    const step = Math.max(1, Math.round(everyAtScale1 / scale));
    const out: number[] = [];
    for (let n = 0; n < total; n += step) out.push(n);
    return out;
  };
  const sample = (count: number): number => Math.max(1, Math.round(count * scale));

  const classes = [
    'container-truncated',
    'container-header-bitflip',
    'container-body-bitflip',
    'container-declared-size',
    'container-trailing',
    'container-wrong-type',
    'image-truncated',
    'image-mutated',
    'image-huge-declared',
    'image-decompression-bomb',
    'image-wrong-type',
    'image-unicode-name',
    'dicom-truncated',
    'dicom-large',
    'key-truncated',
    'key-mutated',
    'passphrase-file',
    'idx-truncated',
    'idx-gzip-truncated',
    'idx-huge-declared',
    'idx-bomb',
    'tar-truncated',
    'tar-mutated',
    'tar-bomb',
    'special-files',
  ];
  for (const cls of classes) await mkdir(join(dir, cls), { recursive: true });

  // --- keys and valid containers -----------------------------------------------------------------------
  const key = generateKey('hostile corpus');
  const keyPath = join(dir, 'corpus.key');
  await writeFile(keyPath, serializeKey(key));
  const passphrase = 'correct horse battery staple';
  const protectedKey = generateKey('hostile protected');
  const protectedKeyPath = join(dir, 'protected.key');
  await writeFile(protectedKeyPath, await serializeKeyText(protectedKey, { passphrase }));
  const validContainer = join(dir, 'valid.clens');
  const protectedContainer = join(dir, 'valid-protected.clens');
  await writeFile(validContainer, encryptToContainer(key, 'xor', 16, noise(256, random)));
  await writeFile(protectedContainer, encryptToContainer(protectedKey, 'xor', 16, noise(256, random)));

  // --- containers ----------------------------------------------------------------------------------------
  const containers = [
    Buffer.from(encryptToContainer(key, 'xor', 16, noise(256, random), { name: 'a.png', label: 'x' })),
    Buffer.from(encryptToContainer(key, 'xor', 28, noise(784, random))),
    Buffer.from(encryptToContainer(key, 'arnold+xor', 64, noise(4096, random))),
  ];
  for (const [index, container] of containers.entries()) {
    for (const length of lengths(container.length)) {
      await file('container-truncated', 'container', container.subarray(0, length), `t${index}.clens`, {
        api: length % 97 === 0,
      });
    }
  }
  const small = containers[1]!;
  for (let bit = 0; bit < 34 * 8; bit += Math.max(1, Math.round(1 / scale))) {
    const copy = Buffer.from(small);
    copy[bit >> 3]! ^= 1 << (bit & 7);
    await file('container-header-bitflip', 'container', copy, 'h.clens', { api: bit % 41 === 0 });
  }
  for (let n = 0; n < sample(600); n++) {
    const copy = Buffer.from(small);
    const at = 34 + Math.floor(random() * (copy.length - 34));
    copy[at]! ^= 1 + Math.floor(random() * 255);
    await file('container-body-bitflip', 'container', copy, 'b.clens', { api: n % 97 === 0 });
  }
  for (const size of [0, 1, 2, 3, 4095, 4096, 4097, 65535, 0x7fffffff, 0xffffffff]) {
    for (const metadata of [0, 4096, 4097, 65535]) {
      const copy = Buffer.from(small);
      copy.writeUInt32BE(size >>> 0, 12);
      copy.writeUInt16BE(metadata, 32);
      await file('container-declared-size', 'container', copy, 's.clens', { api: metadata === 65535 });
    }
  }
  for (let extra = 1; extra <= sample(64); extra++) {
    await file('container-trailing', 'container', Buffer.concat([small, noise(extra, random)]), 'j.clens');
  }
  const png8 = await encodeGreyPng({ pixels: noise(64, random), width: 8, height: 8 });
  const wrongTypes: [string, Uint8Array | string][] = [
    ['empty', new Uint8Array(0)],
    ['png', png8],
    ['json', '{"format":"cipherlens-item"}'],
    ['text', 'hello\n'],
    ['magic-only', Uint8Array.of(0x89, 0x43, 0x4c, 0x45, 0x4e, 0x53, 0x0d, 0x0a)],
    ['gzip', gzipSync(small)],
  ];
  for (const [name, bytes] of wrongTypes)
    await file('container-wrong-type', 'container', bytes, `${name}.clens`, { api: true });
  for (let n = 0; n < sample(100); n++) {
    await file('container-wrong-type', 'container', noise(Math.floor(random() * 5000), random), 'r.clens');
  }

  // --- images -------------------------------------------------------------------------------------------
  const png32 = await encodeGreyPng({ pixels: noise(1024, random), width: 32, height: 32 });
  const jpeg = await sharp(Buffer.from(noise(48 * 48, random)), {
    raw: { width: 48, height: 48, channels: 1 },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
  const webp = await sharp(png32).webp().toBuffer();
  const gif = await sharp(png32).gif().toBuffer();
  const tiff = await sharp(png32).tiff().toBuffer();
  for (const [name, bytes, every] of [
    ['png', png8, 1],
    ['png', png32, 2],
    ['jpg', jpeg, 1],
    ['webp', webp, 2],
    ['gif', gif, 2],
    ['tif', tiff, 2],
  ] as const) {
    for (const length of lengths(bytes.length, every)) {
      await file('image-truncated', 'image', bytes.subarray(0, length), `i.${name}`, {
        api: length % 89 === 0,
      });
    }
  }
  for (let n = 0; n < sample(600); n++) {
    const base = [png32, jpeg, webp, gif, tiff][n % 5]!;
    const copy = Buffer.from(base);
    for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
      copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    }
    await file('image-mutated', 'image', copy, `m.${['png', 'jpg', 'webp', 'gif', 'tif'][n % 5]}`, {
      api: n % 61 === 0,
    });
  }
  for (const [width, height] of [
    [0, 8],
    [8, 0],
    [0x7fffffff, 0x7fffffff],
    [0xffffffff, 1],
    [100000, 100000],
    [8193, 8192],
    [65535, 65535],
    [1, 0x7fffffff],
    [30000, 30000],
    [16384, 16384],
  ]) {
    await file('image-huge-declared', 'image', pngWithDims(png8, width!, height!), 'd.png', { api: true });
  }
  // Small files that decode to many pixels: within the pixel limit (8192² = 67 M) and over it.
  for (const side of [4096, 8000, 8193, 12000]) {
    const bomb = await sharp({ create: { width: side, height: side, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toBuffer()
      .catch(() => null);
    if (bomb)
      await file('image-decompression-bomb', 'image', bomb, `bomb-${side}.png`, { api: side <= 8000 });
  }
  for (const [name, bytes] of [
    ['container.png', small],
    ['key.png', serializeKey(key)],
    ['empty.png', new Uint8Array(0)],
    ['text.jpg', 'not an image'],
    ['html.png', '<html><script>alert(1)</script></html>'],
    ['svg.png', '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"/>'],
    ['gzip.png', gzipSync(png8)],
  ] as const) {
    await file('image-wrong-type', 'image', bytes, name, { api: true });
  }
  const unicodeNames = [
    'café.png',
    'cafe\u0301.png', // NFD
    '😀🔐.png',
    'שלום.png',
    '\u202Egnp.exe.png', // right-to-left override
    'zero\u200Bwidth.png',
    'new\nline.png',
    'tab\tname.png',
    ' leading space.png',
    'trailing space .png',
    'quote\'"`.png',
    '$(rm -rf).png',
    '%00%2e%2e.png',
    `${'ü'.repeat(120)}.png`, // 240 bytes of UTF-8
    `${'x'.repeat(246)}.png`,
    '日本語の名前.png',
    'CON.png',
    '.hidden.png',
  ];
  for (const name of unicodeNames) await file('image-unicode-name', 'image', png8, name, { api: true });
  if (process.platform === 'linux') {
    const latin1 = Buffer.concat([
      Buffer.from(join(dir, 'image-unicode-name', 'caf')),
      Buffer.from([0xe9, 0x2e, 0x70, 0x6e, 0x67]),
    ]);
    await writeFile(latin1, png8);
    inputs.push({ cls: 'image-unicode-name', target: 'image', path: latin1 });
  }

  // --- DICOM ----------------------------------------------------------------------------------------------
  const dicom = Buffer.from(
    writeDicom({ rows: 20, columns: 20, values: Array.from({ length: 400 }, (_, i) => (i * 37) % 4096) }),
  );
  for (const length of lengths(dicom.length, 1)) {
    await file('dicom-truncated', 'dicom', dicom.subarray(0, length), 'd.dcm', { api: length % 101 === 0 });
  }
  for (const side of [1024, 2048]) {
    const values = new Uint16Array(side * side);
    for (let i = 0; i < values.length; i++) values[i] = (i * 2654435761) >>> 20;
    await file('dicom-large', 'dicom', writeDicom({ rows: side, columns: side, values }), `big-${side}.dcm`, {
      api: true,
    });
  }

  // --- keys and passphrase files ------------------------------------------------------------------------
  const keyText = Buffer.from(serializeKey(key));
  for (const length of lengths(keyText.length, 1)) {
    await file('key-truncated', 'key', keyText.subarray(0, length), 'k.key');
  }
  const keyJson = JSON.parse(keyText.toString()) as Record<string, unknown>;
  const keyMutations: Record<string, unknown>[] = [
    { ...keyJson, version: 99 },
    { ...keyJson, format: 'other' },
    { ...keyJson, key: 'AAAA' },
    { ...keyJson, key: 'x'.repeat(60000) },
    { ...keyJson, fingerprint: '0000000000000000' },
    { ...keyJson, key: 42 },
    {
      ...keyJson,
      protection: {
        kdf: 'scrypt',
        N: 2 ** 30,
        r: 64,
        p: 64,
        salt: 'AA',
        iv: 'AA',
        tag: 'AA',
        ciphertext: 'AA',
      },
    },
    { ...keyJson, protection: { kdf: 'scrypt', N: 3, r: 1, p: 1 } },
    { ...keyJson, protection: null },
    {},
  ];
  for (const mutation of keyMutations) await file('key-mutated', 'key', JSON.stringify(mutation), 'm.key');
  for (const text of ['', 'null', '[]', '"x"', '{', '\u0000'.repeat(100), 'A'.repeat(70000)]) {
    await file('key-mutated', 'key', text, 'j.key');
  }
  for (const text of [
    '',
    '\n',
    'wrong passphrase\n',
    `${passphrase}\n`,
    `${passphrase}\r\n`,
    'x'.repeat(70000),
  ]) {
    await file('passphrase-file', 'passphrase', text, 'p.txt');
  }

  // --- IDX --------------------------------------------------------------------------------------------------
  const idx = Buffer.from(encodeIdx([2, 28, 28], noise(2 * 784, random)));
  for (const length of lengths(idx.length, 1)) {
    await file('idx-truncated', 'idx', idx.subarray(0, length), 'train-images-idx3-ubyte');
  }
  const idxGz = gzipSync(idx);
  for (const length of lengths(idxGz.length, 1)) {
    await file('idx-gzip-truncated', 'idx', idxGz.subarray(0, length), 'train-images-idx3-ubyte.gz');
  }
  for (const dims of [
    [0xffffffff, 28, 28],
    [60000, 0xffff, 0xffff],
    [1 << 20, 28, 28],
    [0, 28, 28],
    [1, 1, 1],
  ]) {
    const header = Buffer.from(encodeIdx(dims, new Uint8Array(0)));
    await file('idx-huge-declared', 'idx', header, 'h-idx3-ubyte');
    await file('idx-huge-declared', 'idx', gzipSync(header), 'h-idx3-ubyte.gz');
  }
  const bomb = async (
    cls: string,
    target: Target,
    name: string,
    parts: () => Iterable<Uint8Array>,
  ): Promise<void> => {
    const path = join(dir, cls, `${counter++}-${name}`);
    await writeGzipStream(path, parts);
    inputs.push({ cls, target, path });
  };
  await bomb('idx-bomb', 'idx', 'zeros-64M-idx3-ubyte.gz', () => zeros(64 << 20));
  await bomb('idx-bomb', 'idx', 'header-then-64M-idx3-ubyte.gz', function* () {
    yield encodeIdx([1, 28, 28], new Uint8Array(784));
    yield* zeros(64 << 20);
  });
  await file('idx-bomb', 'idx', Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'type-0x0d-idx3-ubyte');
  await file('idx-bomb', 'idx', Buffer.from([0, 0, 8, 255]), 'dims-255-idx3-ubyte');

  // --- tar (MedNIST-style tar.gz) -------------------------------------------------------------------------
  const members = Array.from({ length: 6 }, (_, i) => ({ name: `MedNIST/Hand/00000${i}.jpeg`, data: jpeg }));
  const tar = makeTar(members);
  const tarGz = gzipSync(tar);
  for (const length of lengths(tarGz.length, 2)) {
    await file('tar-truncated', 'tar', tarGz.subarray(0, length), 'a.tar.gz');
  }
  for (let n = 0; n < sample(300); n++) {
    const copy = Buffer.from(tar);
    // Mostly in headers (sizes, checksums, type flags), where the parser makes decisions.
    const block = Math.floor(random() * (copy.length / 512)) * 512;
    const at =
      random() < 0.7
        ? block + [124, 130, 135, 148, 156, 0, 345][Math.floor(random() * 7)]!
        : Math.floor(random() * copy.length);
    copy[at] = Math.floor(random() * 256);
    await file('tar-mutated', 'tar', gzipSync(copy), 'm.tar.gz');
  }
  const hugeSize = Buffer.from(tar);
  hugeSize[124] = 0x80; // GNU base-256 size: 2^60-ish
  hugeSize.fill(0xff, 125, 136);
  await file('tar-mutated', 'tar', gzipSync(hugeSize), 'huge-size.tar.gz');
  await bomb('tar-bomb', 'tar', 'zeros-100M.tar.gz', () => zeros(100 << 20));
  await bomb('tar-bomb', 'tar', 'one-80M-member.tar.gz', function* () {
    // The header of an 80 MiB member (over the 64 MiB member cap), then its zeros.
    yield tarHeaderWithSize(makeTar([{ name: 'M/A/big.jpeg', data: new Uint8Array(0) }]), 80 << 20);
    yield* zeros(80 << 20);
  });
  await file('tar-bomb', 'tar', noise(4096, random), 'random-not-gzip.tar.gz');

  // --- special files: FIFOs, devices, symlinks, folders, loops, dangling links ---------------------------
  if (posix) {
    const special = join(dir, 'special-files');
    const targets: [Target, string][] = [
      ['container', '.clens'],
      ['image', '.png'],
      ['key', '.key'],
      ['passphrase', '.txt'],
      ['idx', '-idx3-ubyte'],
      ['tar', '.tar.gz'],
    ];
    for (const [target, extension] of targets) {
      const fifo = join(special, `fifo-${target}${extension}`);
      execFileSync('mkfifo', [fifo]);
      inputs.push({
        cls: 'special-files',
        target,
        path: fifo,
        api: target === 'container' || target === 'image',
      });
      for (const device of ['/dev/zero', '/dev/urandom', '/dev/null']) {
        const link = join(special, `${device.slice(5)}-${target}${extension}`);
        await symlink(device, link);
        inputs.push({
          cls: 'special-files',
          target,
          path: link,
          api: target === 'container' || target === 'image',
        });
      }
      const folder = join(special, `folder-${target}${extension}`);
      await mkdir(folder);
      inputs.push({ cls: 'special-files', target, path: folder });
      const dangling = join(special, `dangling-${target}${extension}`);
      await symlink(join(special, 'nothing-here'), dangling);
      inputs.push({ cls: 'special-files', target, path: dangling });
      const loop = join(special, `loop-${target}${extension}`);
      await symlink(loop, loop);
      inputs.push({ cls: 'special-files', target, path: loop });
    }
  }
  return { inputs, key, keyPath, validContainer, protectedKeyPath, protectedContainer, passphrase };
}
