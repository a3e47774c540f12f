import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGreyImage } from '../../src/core/image/decode.js';
import { readImage } from '../../src/core/image/read-image.js';
import { TINY_CARD } from '../core/evaluation/tiny-export.js';
import { writeDicom } from '../core/image/dicom-writer.js';
import { runCli as cli } from './run-cli.js';

const demoKey = fileURLToPath(new URL('../../resources/keys/demo.key', import.meta.url));
const PYDICOM_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
/** Compressed and unusual files from pydicom's test data, when it is installed (the oracle test needs it anyway). */
const REAL_FILES = [
  'MR_small_jpeg_ls_lossless.dcm',
  'MR_small_RLE.dcm',
  'MR_small_jp2klossless.dcm',
  'SC_rgb_jpeg_dcmtk.dcm',
  'liver_1frame.dcm',
].filter((name) => existsSync(join(PYDICOM_FILES, name)));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cl-cli-dicom-'));
  await mkdir(join(dir, 'in'));
  // A dark 16×16 CT-like frame (signed, rescaled, windowed), stored without an extension as PACS exports do.
  const values = Array.from({ length: 256 }, (_, i) => -1000 + (i % 16));
  await writeFile(
    join(dir, 'in', 'scan'),
    writeDicom({
      rows: 16,
      columns: 16,
      signed: true,
      values,
      rescale: { slope: 1, intercept: 0 },
      window: { center: 40, width: 400 },
    }),
  );
  for (const name of REAL_FILES) await copyFile(join(PYDICOM_FILES, name), join(dir, 'in', name));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the CLI reads DICOM as the app does (readImage)', () => {
  it('encrypt: every DICOM of a folder, the decrypted pixels equal what the app import decodes', async () => {
    const out = join(dir, 'enc');
    const enc = await cli(
      'encrypt',
      join(dir, 'in'),
      '--key',
      demoKey,
      '--condition',
      'arnold+xor',
      '--size',
      '32',
      '--fit',
      'pad',
      '--out',
      out,
      '--json',
    );
    expect(enc.code, enc.stderr).toBe(0);
    const report = JSON.parse(enc.stdout) as { encrypted: { input: string; conversion: string[] }[] };
    expect(report.encrypted).toHaveLength(1 + REAL_FILES.length);
    expect(report.encrypted.find((e) => e.input.endsWith('scan'))!.conversion.join(' | ')).toMatch(
      /DICOM 16-bit signed.*window C=40 W=400/,
    );

    const dec = await cli('decrypt', out, '--key', demoKey, '--out', join(dir, 'plain'));
    expect(dec.code, dec.stderr).toBe(0);
    for (const name of ['scan', ...REAL_FILES]) {
      const app = await readImage(join(dir, 'in', name), { size: 32, fit: 'pad' });
      const base = name.replace(/\.dcm$/, '');
      const decrypted = await decodeGreyImage(join(dir, 'plain', `${base}.png`));
      expect(Buffer.from(decrypted.pixels).equals(Buffer.from(app.pixels)), name).toBe(true);
    }
  });

  it('encrypt --frame / --window choose the frame and window, as the import dialog does', async () => {
    const twoFrames = join(dir, 'two-frames.dcm');
    await writeFile(
      twoFrames,
      writeDicom({ rows: 2, columns: 2, bitsAllocated: 8, frames: 2, values: [0, 1, 2, 3, 10, 20, 30, 40] }),
    );
    const args = ['--key', demoKey, '--condition', 'plain', '--json', '--force'];
    const chosen = await cli(
      'encrypt',
      twoFrames,
      ...args,
      '--frame',
      '1',
      '--window',
      'auto',
      '--out',
      join(dir, 'f.clens'),
    );
    expect(chosen.code, chosen.stderr).toBe(0);
    const steps = (JSON.parse(chosen.stdout) as { encrypted: { conversion: string[] }[] }).encrypted[0]!
      .conversion;
    expect(steps.join(' | ')).toMatch(
      /frame 1 of 2 .*automatic window: 0\.5th–99\.5th percentile \[10, 40\]/,
    );
    const app = await readImage(twoFrames, { dicomFrame: 1, dicomWindow: 'auto' });
    expect(steps).toEqual(app.conversion);

    const bad = await cli('encrypt', twoFrames, ...args, '--window', '40', '--out', join(dir, 'g.clens'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--window must be file, auto or "centre,width"/);
    const missing = await cli('encrypt', twoFrames, ...args, '--frame', '2', '--out', join(dir, 'h.clens'));
    expect(missing.stderr).toMatch(/has 2 frames; frame 2 does not exist/);
  });

  it('analyze: a DICOM file gets a security report', async () => {
    const result = await cli(
      'analyze',
      join(dir, 'in', 'scan'),
      '--key',
      demoKey,
      '--condition',
      'arnold+xor',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as { source: { format: string }; conversion: string[] };
    expect(parsed.source.format).toBe('dicom');
  });

  it('classify: a DICOM file is classified like a PNG', async () => {
    const result = await cli(
      'classify',
      join(dir, 'in', 'scan'),
      '--model',
      TINY_CARD,
      '--top',
      '1',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      results: { predictions: { label: string }[]; conversion: string[] }[];
    };
    expect(report.results[0]!.predictions[0]!.label).toBe('dark');
    expect(report.results[0]!.conversion.join(' | ')).toMatch(/DICOM 16-bit signed/);
  });

  it('classify: --frame and --window choose the DICOM image the model sees, as the app import does', async () => {
    const run = (...extra: string[]) =>
      cli('classify', join(dir, 'in', 'scan'), '--model', TINY_CARD, '--top', '1', '--json', ...extra);
    // A negative centre needs the = form, or the argument parser reads it as an option.
    const chosen = await run('--window=-1000,20');
    expect(chosen.code, chosen.stderr).toBe(0);
    const conversion = (JSON.parse(chosen.stdout) as { results: { conversion: string[] }[] }).results[0]!
      .conversion;
    expect(conversion.join(' | ')).toMatch(/window C=-1000 W=20/);
    const bad = await run('--window', '40,0');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--window must be file, auto or "centre,width"/);
    const frame = await run('--frame', '3');
    expect(frame.code).not.toBe(0);
    expect(frame.stderr).toMatch(/frame/i);
  });
});
