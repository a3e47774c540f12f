/**
 * Compares CipherLens's DICOM decoding with pydicom + GDCM (scripts/dicom-oracle.py) over every file of a folder
 * (by default Debian's python3-pydicom test files). Used by test/core/image/dicom-oracle.test.ts, which fails on
 * any disagreement, and by scripts/dicom-oracle-report.ts, which writes the table in docs/dicom.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isCipherLensError } from '../src/core/errors.js';
import { decodeDicom } from '../src/core/image/dicom.js';
import { describeTransferSyntax } from '../src/core/image/dicom-transfer-syntaxes.js';

export const PYDICOM_TEST_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
export const ORACLE_PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'dicom-oracle.py');

/** Lossy transfer syntaxes: JPEG baseline/extended, JPEG-LS near-lossless, JPEG 2000 (lossy-capable). */
export const LOSSY_SYNTAXES = new Set([
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.93',
]);

/**
 * For lossy syntaxes two conforming decoders may differ (IDCT rounding, chroma upsampling, wavelet precision):
 * the largest difference allowed is this fraction of the frame's value range (max − min of pydicom's values),
 * never less than 2 units, and the mean difference must stay under a quarter of it. For 8-bit colour JPEG
 * this is ±10.2 grey levels at a pixel (chroma upsampling at colour edges) and 2.55 on average.
 */
export const LOSSY_TOLERANCE = { fractionOfRange: 0.04, minimum: 2, meanFraction: 0.25 } as const;

/**
 * Files where pydicom's own result is not the truth, checked another way (stated in docs/dicom.md):
 * - `reference`: compared with the oracle's values of another file holding the same picture losslessly;
 * - `refuse`: CipherLens must refuse the file with a clear error (pydicom returns noise);
 * - `gap`: CipherLens cannot decode it yet and says so (a known limitation, listed so a new one fails the test).
 */
export const KNOWN_DISAGREEMENTS: Record<
  string,
  { kind: 'reference' | 'refuse' | 'gap'; reference?: string; why: string }
> = {
  'SC_rgb_jpeg_lossy_gdcm.dcm': {
    kind: 'reference',
    reference: 'SC_rgb_rle.dcm',
    why: 'the JPEG is YCbCr (JFIF component ids 1, 2, 3, 4:2:0 subsampling) though the header says RGB; GDCM does not convert it (mean error 65 grey levels against the same picture stored losslessly), CipherLens does; compared with the lossless SC_rgb_rle.dcm instead',
  },
  'JPEG2000-embedded-sequence-delimiter.dcm': {
    kind: 'refuse',
    why: 'four bytes of the JPEG 2000 codestream header were overwritten (pydicom issue #1140): GDCM fails and pydicom returns noise (values up to 32748 where JPEG2000.dcm has 0); CipherLens refuses it',
  },
  'JPGExtended.dcm': {
    kind: 'gap',
    why: '12-bit extended JPEG (process 4): no maintained 12-bit JPEG decoder for Node.js; refused with a clear error',
  },
  'JPEG-lossy.dcm': {
    kind: 'gap',
    why: '12-bit extended JPEG (process 4): no maintained 12-bit JPEG decoder for Node.js; refused with a clear error',
  },
};

interface OracleEntry {
  file: string;
  status: 'decoded' | 'no-pixels' | 'pydicom-error' | 'unreadable';
  transferSyntax?: string;
  photometric?: string;
  bitsAllocated?: number;
  bitsStored?: number;
  signed?: boolean;
  frames?: string;
  rows?: number;
  columns?: number;
  values?: string;
  error?: string;
}

export type Verdict = 'exact' | 'within' | 'clear-error' | 'mismatch' | 'unclear-error' | 'decoded-unchecked';

export interface OracleResult {
  file: string;
  transferSyntax: string;
  photometric: string;
  bits: string;
  /** What pydicom did: decoded, no pixel data, or its error. */
  pydicom: string;
  verdict: Verdict;
  /** Largest |CipherLens − pydicom| over the frame (decoded files). */
  maxDifference?: number;
  tolerance?: number;
  /** CipherLens's error, when it refused the file. */
  error?: string;
  meanDifference?: number;
  /** Why a verdict is a failure. */
  problem?: string;
  /** Why pydicom's result was not used as is (KNOWN_DISAGREEMENTS). */
  note?: string;
}

export interface OracleRun {
  pydicomVersion: string;
  handlers: string[];
  results: OracleResult[];
}

export function oracleAvailable(): boolean {
  return existsSync(ORACLE_PYTHON) && existsSync(PYDICOM_TEST_FILES);
}

/** Runs pydicom once over `root`, then decodes each file with CipherLens and compares. */
export async function runDicomOracle(root = PYDICOM_TEST_FILES): Promise<OracleRun> {
  const out = await mkdtemp(join(tmpdir(), 'cipherlens-dicom-oracle-'));
  try {
    await promisify(execFile)(ORACLE_PYTHON, [SCRIPT, root, out], { maxBuffer: 16 * 1024 * 1024 });
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
      pydicom: string;
      handlers: string[];
      files: OracleEntry[];
    };
    const byFile = new Map(index.files.map((entry) => [entry.file, entry]));
    const results: OracleResult[] = [];
    for (const entry of index.files) results.push(await compare(entry, root, out, byFile));
    return { pydicomVersion: index.pydicom, handlers: index.handlers, results };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function compare(
  entry: OracleEntry,
  root: string,
  out: string,
  byFile: Map<string, OracleEntry>,
): Promise<OracleResult> {
  const known = KNOWN_DISAGREEMENTS[entry.file];
  const bytes = new Uint8Array(await readFile(join(root, entry.file)));
  const frames = entry.frames && entry.frames !== '1' ? `, ${entry.frames} frames` : '';
  const base = {
    file: entry.file,
    transferSyntax: entry.transferSyntax ? describeTransferSyntax(entry.transferSyntax) : '—',
    photometric: entry.photometric || '—',
    bits: entry.bitsAllocated
      ? `${entry.bitsStored}/${entry.bitsAllocated}${entry.signed ? ' signed' : ''}${frames}`
      : '—',
    pydicom:
      entry.status === 'decoded'
        ? 'decoded'
        : entry.status === 'no-pixels'
          ? 'no pixel data'
          : (entry.error ?? entry.status),
    ...(known && { note: known.why }),
  };
  let decoded: Awaited<ReturnType<typeof decodeDicom>>;
  try {
    decoded = await decodeDicom(bytes, { name: entry.file });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const clear =
      isCipherLensError(error) && error.code !== 'INTERNAL' && !/undefined|\[object|NaN/.test(message);
    if (!clear)
      return { ...base, verdict: 'unclear-error', error: message, problem: 'not a clear CipherLens error' };
    const expectedError = known?.kind === 'refuse' || known?.kind === 'gap';
    if (entry.status === 'decoded' && !expectedError) {
      return { ...base, verdict: 'clear-error', error: message, problem: 'pydicom decodes this file' };
    }
    return { ...base, verdict: 'clear-error', error: message };
  }
  if (known?.kind === 'refuse' || known?.kind === 'gap') {
    return {
      ...base,
      verdict: 'mismatch',
      problem: `decoded, but listed as "${known.kind}": update KNOWN_DISAGREEMENTS`,
    };
  }
  const oracle = known?.kind === 'reference' ? byFile.get(known.reference!) : entry;
  if (!oracle || oracle.status !== 'decoded' || !oracle.values) {
    // CipherLens reads a file pydicom does not: nothing to compare it with; reported, not a failure.
    return { ...base, verdict: 'decoded-unchecked' };
  }
  const expected = new Float64Array((await readFile(join(out, oracle.values))).buffer.slice(0));
  if (decoded.width !== oracle.columns || decoded.height !== oracle.rows) {
    return {
      ...base,
      verdict: 'mismatch',
      problem: `CipherLens decoded ${decoded.width}×${decoded.height}, pydicom ${oracle.columns}×${oracle.rows}`,
    };
  }
  let maxDifference = 0;
  let total = 0;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    // CipherLens keeps modality values as float32: the exact comparison is with pydicom's value in float32.
    const difference = Math.abs(decoded.modality[i]! - Math.fround(expected[i]!));
    if (!(difference <= maxDifference)) maxDifference = Number.isNaN(difference) ? Infinity : difference;
    total += difference;
    low = Math.min(low, expected[i]!);
    high = Math.max(high, expected[i]!);
  }
  const meanDifference = total / expected.length;
  // Colour luma is computed in float64 by both and rounded once to float32: allow that one rounding.
  if (maxDifference <= 1e-6 * Math.max(1, Math.abs(high), Math.abs(low))) {
    return { ...base, verdict: 'exact', maxDifference };
  }
  const lossy = entry.transferSyntax !== undefined && LOSSY_SYNTAXES.has(entry.transferSyntax);
  const tolerance = Math.max(LOSSY_TOLERANCE.minimum, LOSSY_TOLERANCE.fractionOfRange * (high - low));
  if (lossy && maxDifference <= tolerance && meanDifference <= LOSSY_TOLERANCE.meanFraction * tolerance) {
    return { ...base, verdict: 'within', maxDifference, meanDifference, tolerance };
  }
  return {
    ...base,
    verdict: 'mismatch',
    maxDifference,
    meanDifference,
    ...(lossy && { tolerance }),
    problem: lossy
      ? `differs by up to ${maxDifference} (mean ${meanDifference}), over the tolerance ${tolerance}`
      : `lossless syntax differs by ${maxDifference}`,
  };
}

/** Verdicts that fail the oracle test. */
export function isFailure(result: OracleResult): boolean {
  return result.verdict === 'mismatch' || result.verdict === 'unclear-error' || result.problem !== undefined;
}
