import { join } from 'node:path';
import { MAX_SIZE, MIN_SIZE } from '../../core/crypto/arnold.js';
import { OffLoopCipher } from '../../core/crypto/cipher-pool.js';
import { parseCondition, CONDITIONS } from '../../core/crypto/condition.js';
import { CONTAINER_EXTENSION } from '../../core/crypto/container.js';
import type { CipherKey } from '../../core/crypto/keys.js';
import { CipherLensError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs/atomic.js';
import { encodeGreyPng, type FitMode } from '../../core/image/decode.js';
import { readImage, type ReadImageOptions } from '../../core/image/read-image.js';
import { IMAGE_EXTENSIONS, type InputFile, withExtension } from '../../core/image/files.js';
import type { CliCommand } from '../command.js';
import { DICOM_USAGE, dicomCliOptions, parseDicomOptions } from '../dicom-options.js';
import {
  collectRequiredInputs,
  loadKeyOption,
  outputOptions,
  parseCommandArgs,
  passphraseOptions,
  printJson,
  refuseOverwrite,
  reportFailures,
  runEach,
  warnIfDemoKey,
} from '../crypto-options.js';

const usage = `Usage: cipherlens encrypt <image|folder…> --key K --condition C --out DIR|FILE.clens [options]

Encrypts PNG/JPEG/TIFF/WebP/GIF and DICOM images into authenticated .clens files, decoded exactly as the app's
import decodes them (docs/dicom.md). Colour images become 8-bit greyscale (linear-light ITU-R BT.709 luminance,
sRGB-encoded; alpha composited over black; DICOM colour: BT.601 luma). Folders are walked recursively (DICOM
files without an extension are recognised by content).
  --key K                key file (see cipherlens keygen)
  --passphrase-env VAR | --passphrase-file F   passphrase of a protected key
  --condition C          ${CONDITIONS.join(' | ')}
  --size N               scale to N×N (lanczos3); without it, each image keeps its own (square) size
  --fit resize|pad       how a non-square image becomes square: stretch, or scale to fit and centre on black
                         (default: refuse non-square images)
${DICOM_USAGE}
  --out DIR|FILE.clens   output folder (structure kept, extension .clens) or, for one image, a .clens file
  --label L              label stored (authenticated, not encrypted) in each file
  --png                  also write the ciphertext as a viewable greyscale PNG (<name>.cipher.png)
  --force                overwrite existing outputs
  --json                 print a JSON report on stdout`;

interface Job {
  input: InputFile;
  output: string;
  png: string | null;
}

interface Done {
  input: string;
  output: string;
  png: string | null;
  size: number;
  source: { width: number; height: number; format: string };
  conversion: string[];
}

const encrypt: CliCommand = {
  name: 'encrypt',
  summary: 'encrypt images into .clens files',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('encrypt', argv, {
      key: { type: 'string' },
      condition: { type: 'string' },
      size: { type: 'string' },
      fit: { type: 'string' },
      label: { type: 'string' },
      png: { type: 'boolean' },
      ...dicomCliOptions,
      ...outputOptions,
      ...passphraseOptions,
    });
    if (positionals.length === 0) throw new CipherLensError('BAD_INPUT', 'no input images given');
    if (!values.condition)
      throw new CipherLensError('BAD_INPUT', `--condition is required (${CONDITIONS.join(', ')})`);
    const condition = parseCondition(values.condition);
    if (!values.out) throw new CipherLensError('BAD_INPUT', '--out DIR or --out FILE.clens is required');
    const size = values.size === undefined ? undefined : parseSize(values.size);
    const fit = parseFit(values.fit);
    const dicom = parseDicomOptions(values);
    const key = await loadKeyOption(values);
    warnIfDemoKey(key);

    const inputs = await collectRequiredInputs(positionals, IMAGE_EXTENSIONS, 'image files');
    const jobs = planOutputs(inputs, values.out, Boolean(values.png));
    if (!values.force) await refuseOverwrites(jobs);

    // Large images are encrypted in a worker thread: the progress bar and Ctrl-C stay responsive.
    const cipher = new OffLoopCipher();
    const { done, failures } = await runEach(
      'encrypting',
      jobs,
      (job) => job.input.path,
      (job) => encryptOne(job, cipher, key, condition, { size, fit, ...dicom }, values.label),
    ).finally(() => cipher.close());

    if (values.json) {
      printJson({ keyFingerprint: key.fingerprint, condition, encrypted: done, failures });
    } else {
      for (const item of done.length === 1 ? done : []) {
        const from = `${item.source.width}×${item.source.height} ${item.source.format}`;
        process.stdout.write(
          `encrypted ${item.input} (${from} → ${item.size}×${item.size}) → ${item.output}\n`,
        );
        for (const step of item.conversion) process.stdout.write(`  ${step}\n`);
      }
      if (done.length > 1) {
        process.stdout.write(
          `encrypted ${done.length} images (${condition}, key ${key.fingerprint}) → ${values.out}\n`,
        );
      }
    }
    return reportFailures('encrypt', failures, jobs.length);
  },
};

export default encrypt;

async function encryptOne(
  job: Job,
  cipher: OffLoopCipher,
  key: CipherKey,
  condition: ReturnType<typeof parseCondition>,
  decode: ReadImageOptions,
  label: string | undefined,
): Promise<Done> {
  const image = await readImage(job.input.path, decode);
  const metadata = { name: job.input.relative, ...(label === undefined ? {} : { label }) };
  const { ciphertext, container } = await cipher.seal(key, condition, image.width, image.pixels, metadata);
  await writeFileAtomic(job.output, container);
  if (job.png) await writeFileAtomic(job.png, await encodeGreyPng({ ...image, pixels: ciphertext }));
  return {
    input: job.input.path,
    output: job.output,
    png: job.png,
    size: image.width,
    source: image.source,
    conversion: image.conversion,
  };
}

function planOutputs(inputs: InputFile[], out: string, png: boolean): Job[] {
  const single = out.toLowerCase().endsWith(CONTAINER_EXTENSION);
  if (single && inputs.length !== 1) {
    throw new CipherLensError(
      'BAD_INPUT',
      `--out ${out} names one file, but there are ${inputs.length} images: give a folder`,
    );
  }
  const jobs = inputs.map((input): Job => {
    const output = single ? out : join(out, withExtension(input.relative, CONTAINER_EXTENSION));
    const pngPath = png ? withExtension(output, '.cipher.png') : null;
    return { input, output, png: pngPath };
  });
  const seen = new Map<string, string>();
  for (const job of jobs) {
    const earlier = seen.get(job.output);
    if (earlier) {
      throw new CipherLensError(
        'BAD_INPUT',
        `${earlier} and ${job.input.path} would both be written to ${job.output}`,
      );
    }
    seen.set(job.output, job.input.path);
  }
  return jobs;
}

async function refuseOverwrites(jobs: Job[]): Promise<void> {
  for (const job of jobs) {
    for (const path of [job.output, job.png]) if (path) await refuseOverwrite(path);
  }
}

function parseSize(text: string): number {
  const size = Number(text);
  if (!/^\d+$/.test(text) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new CipherLensError(
      'BAD_SIZE',
      `--size must be an integer from ${MIN_SIZE} to ${MAX_SIZE}, got "${text}"`,
    );
  }
  return size;
}

function parseFit(text: string | undefined): FitMode {
  if (text === undefined) return 'error';
  if (text === 'resize' || text === 'pad') return text;
  throw new CipherLensError('BAD_INPUT', `--fit must be resize or pad, got "${text}"`);
}
