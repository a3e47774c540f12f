import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeGreyPng } from '../../src/core/image/decode.js';
import type { SecurityReport } from '../../src/core/security/index.js';
import { type CliResult, runCli } from './run-cli.js';

const demoKey = fileURLToPath(new URL('../../resources/keys/demo.key', import.meta.url));
let dir: string;

const run = (...argv: string[]): Promise<CliResult> => runCli('analyze', ...argv);

/** A smooth test picture: a diagonal ramp with a bright square, so plain statistics differ from the cipher's. */
async function writePicture(path: string, width: number, height: number): Promise<void> {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2;
      pixels[y * width + x] = inSquare ? 240 : Math.floor(((x + y) * 200) / (width + height));
    }
  }
  await writeFile(path, await encodeGreyPng({ pixels, width, height }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cipherlens-analyze-'));
  await writePicture(join(dir, 'square.png'), 32, 32);
  await writePicture(join(dir, 'wide.png'), 30, 20);
  await mkdir(join(dir, 'folder', 'nested'), { recursive: true });
  await writePicture(join(dir, 'folder', 'a.png'), 28, 28);
  await writePicture(join(dir, 'folder', 'nested', 'b.png'), 28, 28);
  await writeFile(join(dir, 'folder', 'broken.png'), 'not a png at all');
  await writeFile(join(dir, 'folder', 'readme.txt'), 'ignored: not an image extension');
  await mkdir(join(dir, 'empty'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cipherlens analyze', () => {
  it('prints a readable table for one image', async () => {
    const result = await run(join(dir, 'square.png'), '--key', demoKey, '--condition', 'arnold+xor');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^entropy \(bits\)\s+\d\.\d{4}\s+\d\.\d{4}\s+7\.\d{4} \(ideal 8\)$/m);
    expect(result.stdout).toMatch(/^plaintext: pixel row \d+ col \d+, \d+→\d+\s+0\.0977\s/m); // 1/1024
    expect(result.stdout).toMatch(/^key: bit 0 flipped\s+\d+\.\d{4}\s+\d+\.\d{4}/m);
    expect(result.stdout).toMatch(/^Wu critical: NPCR ≥\s+\d+\.\d{4}/m);
    expect(result.stdout).toContain('FAIL by design');
    expect(result.stdout).toContain('key b574d9e46e54e965');
  });

  it('prints the JSON report with --json', async () => {
    const result = await run(
      join(dir, 'square.png'),
      '--key',
      demoKey,
      '--condition',
      'xor',
      '--json',
      '--pairs',
      '200',
    );
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as {
      file: string;
      conversion: string[];
      report: SecurityReport;
    };
    expect(parsed.file).toBe(join(dir, 'square.png'));
    expect(parsed.conversion).toEqual([]);
    const { report } = parsed;
    expect(report).toMatchObject({
      condition: 'xor',
      size: 32,
      pixels: 1024,
      settings: { pairs: 200, seed: 1 },
    });
    expect(report.plaintextSensitivity.npcrPercent).toBeCloseTo(100 / 1024, 12);
    expect(report.plaintextSensitivity.verdict).toBe('fail');
    expect(report.cipher.sampledCorrelation.horizontal.samples.x).toHaveLength(200);
    expect(report.reference.uniformEntropy).toBeGreaterThan(7.8);
  });

  it('refuses a non-square image unless a fit is asked for, and resizes with --size', async () => {
    const refused = await run(join(dir, 'wide.png'), '--key', demoKey, '--condition', 'xor');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/NOT_SQUARE.*30×20/);

    const padded = await run(
      join(dir, 'wide.png'),
      '--key',
      demoKey,
      '--condition',
      'xor',
      '--fit',
      'pad',
      '--json',
    );
    expect(padded.code).toBe(0);
    const pad = JSON.parse(padded.stdout) as { conversion: string[]; report: SecurityReport };
    expect(pad.report.size).toBe(30);
    expect(pad.conversion.join(' ')).toMatch(/padded/);

    const resized = await run(
      join(dir, 'square.png'),
      '--key',
      demoKey,
      '--condition',
      'arnold',
      '--size',
      '16',
      '--json',
    );
    expect((JSON.parse(resized.stdout) as { report: SecurityReport }).report.size).toBe(16);
  });

  it('analyses a folder recursively: rows, aggregate, and a non-zero exit naming the broken file', async () => {
    const table = await run(join(dir, 'folder'), '--key', demoKey, '--condition', 'arnold+xor');
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/a\.png\s+28\s/);
    expect(table.stdout).toMatch(/b\.png\s+28\s/);
    expect(table.stdout).toContain('aggregate over 2 images');
    expect(table.stdout).toMatch(/^plaintext sensitivity \(fails by design\)\s+0\.0%\s+0\.0%\s+0\.0%$/m);
    expect(table.stderr).toMatch(/broken\.png: error \[IMAGE_DECODE\]/);
    expect(table.stderr).toContain('analyze: 1 of 3 failed');

    const json = await run(join(dir, 'folder'), '--key', demoKey, '--condition', 'arnold+xor', '--json');
    const parsed = JSON.parse(json.stdout) as {
      images: { file: string; report: SecurityReport }[];
      failures: { file: string; code: string }[];
      aggregate: { images: number; metrics: { plaintextNpcrPercent: { mean: number } } };
    };
    expect(parsed.images.map((i) => i.file)).toEqual([
      join(dir, 'folder', 'a.png'),
      join(dir, 'folder', 'nested', 'b.png'),
    ]);
    expect(parsed.images[0]!.report.cipher.sampledCorrelation.vertical.samples.x).toHaveLength(0);
    expect(parsed.failures).toEqual([
      expect.objectContaining({ file: join(dir, 'folder', 'broken.png'), code: 'IMAGE_DECODE' }),
    ]);
    expect(parsed.aggregate.images).toBe(2);
    expect(parsed.aggregate.metrics.plaintextNpcrPercent.mean).toBeCloseTo(100 / 784, 12);
  });

  it('gives clear errors for bad input', async () => {
    const image = join(dir, 'square.png');
    const cases: [string[], RegExp][] = [
      [[image, '--condition', 'xor'], /--key FILE is required/],
      [[image, '--key', demoKey], /--condition C is required/],
      [[image, '--key', demoKey, '--condition', 'rot13'], /unknown encryption condition "rot13"/],
      [[image, '--key', demoKey, '--condition', 'xor', '--pairs', 'many'], /--pairs must be an integer/],
      [
        [image, '--key', demoKey, '--condition', 'xor', '--key-bit', '256'],
        /--key-bit must be an integer from 0 to 255/,
      ],
      [
        [image, '--key', demoKey, '--condition', 'xor', '--fit', 'crop'],
        /--fit must be error, resize or pad/,
      ],
      [
        [join(dir, 'missing.png'), '--key', demoKey, '--condition', 'xor'],
        /NOT_FOUND.*missing\.png does not exist/,
      ],
      [[join(dir, 'empty'), '--key', demoKey, '--condition', 'xor'], /no \.png\/.* images found in/],
      [[join(dir, 'folder', 'broken.png'), '--key', demoKey, '--condition', 'xor'], /IMAGE_DECODE/],
      [[image, '--key', join(dir, 'square.png'), '--condition', 'xor'], /not a CipherLens key file/],
      [['--key', demoKey, '--condition', 'xor'], /at least one image or folder/],
    ];
    for (const [argv, message] of cases) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).not.toBe(0);
      expect(result.stderr, argv.join(' ')).toMatch(message);
    }
  });
});
