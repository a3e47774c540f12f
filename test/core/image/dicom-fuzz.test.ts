import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCipherLensError } from '../../../src/core/errors.js';
import { decodeDicom } from '../../../src/core/image/dicom.js';
import { createPrng } from '../../../src/core/datasets/prng.js';

const PYDICOM_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
/** One file per codec (the WASM ones must survive damaged input and keep working). */
const FILES = [
  'MR_small_jpeg_ls_lossless.dcm',
  'MR_small_jp2klossless.dcm',
  'SC_rgb_jpeg_dcmtk.dcm',
  'SC_rgb_jpeg_gdcm.dcm',
  'SC_rgb_rle_32bit_2frame.dcm',
  'image_dfl.dcm',
].filter((name) => existsSync(join(PYDICOM_FILES, name)));

describe.runIf(FILES.length > 0)('damaged compressed DICOM', () => {
  it('ends in a decode or a clear CipherLens error, and every codec still decodes the intact file after', async () => {
    const prng = createPrng(20240601);
    const random = (): number => prng.nextUint32() / 2 ** 32;
    const outcomes: Record<string, number> = {};
    for (const name of FILES) {
      const intact = new Uint8Array(readFileSync(join(PYDICOM_FILES, name)));
      for (let round = 0; round < 40; round++) {
        let input = intact.slice();
        if (round % 2 === 0) {
          input = input.subarray(0, Math.floor(random() * input.length));
        } else {
          // Flips in the second half of the file, where the encoded pixel data is.
          for (let flip = 0; flip < 1 + (round % 7); flip++) {
            const at = Math.floor(input.length * (0.5 + 0.5 * random()));
            input[at] = input[at]! ^ (1 << Math.floor(random() * 8));
          }
        }
        try {
          await decodeDicom(input, { name });
          outcomes.decoded = (outcomes.decoded ?? 0) + 1;
        } catch (error) {
          expect(isCipherLensError(error), `${name} round ${round}: ${String(error)}`).toBe(true);
          const code = (error as { code: string }).code;
          expect(code, `${name} round ${round}`).not.toBe('INTERNAL');
          outcomes[code] = (outcomes[code] ?? 0) + 1;
        }
      }
      expect((await decodeDicom(intact, { name })).width).toBeGreaterThan(0);
    }
    expect(Object.keys(outcomes).length).toBeGreaterThan(1);
  }, 60_000);
});
