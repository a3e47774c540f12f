import type { Writable } from 'node:stream';
import { parseCondition, type Condition, CONDITIONS } from '../../core/crypto/condition.js';
import type { CipherKey } from '../../core/crypto/keys.js';
import { CipherLensError } from '../../core/errors.js';
import type { FitMode } from '../../core/image/decode.js';
import { readImage } from '../../core/image/read-image.js';
import { IMAGE_EXTENSIONS } from '../../core/image/files.js';
import {
  analyzeImage,
  createReportAggregator,
  DEFAULT_BLOCK_SIZE,
  type AnalyzeOptions,
} from '../../core/security/index.js';
import type { CliCommand } from '../command.js';
import {
  collectRequiredInputs,
  loadKeyOption,
  parseCommandArgs,
  parseIntegerOption,
  passphraseOptions,
  printJson,
  reportFailures,
  runEach,
} from '../crypto-options.js';
import {
  FOLDER_ALIGN,
  FOLDER_HEADER,
  folderRow,
  renderAggregate,
  renderImageReport,
  type AnalyzedImage,
} from '../security-text.js';
import { DICOM_USAGE, dicomCliOptions, parseDicomOptions } from '../dicom-options.js';
import { formatTable } from '../table.js';

const usage = `Usage: cipherlens analyze <image|folder>... --key FILE --condition C [options]

Security report of each image and its encryption: entropy (with the uniform-noise expectation for the
image size), histogram flatness (χ²), adjacent-pixel correlations, NPCR/UACI for plaintext sensitivity
(one pixel changed) and key sensitivity (one key bit flipped) against Wu et al.'s critical values, and notes.
One image gives a detailed table; several images or a folder (searched recursively for
${IMAGE_EXTENSIONS.join(' ')}; hidden entries skipped) give one row per image plus mean/min/max and pass rates.
Images are decoded to 8-bit greyscale (the conversion is stated); they must be square unless --fit is given.

Options:
  --key FILE              key file (required)
  --passphrase-env VAR    read the key passphrase from environment variable VAR
  --passphrase-file F     read the key passphrase from file F
  --condition C           ${CONDITIONS.join(' | ')} (required)
  --size N                analyse at N×N (resized with lanczos3); default: the image's own size
  --fit MODE              error | resize | pad: how a non-square image becomes square (default error)
${DICOM_USAGE}
  --pairs N               random adjacent pairs per direction for the sampled correlation (default 3000)
  --seed S                seed for the sampled pairs and the changed plaintext pixel (default 1)
  --block B               side of the local-entropy blocks (default ${DEFAULT_BLOCK_SIZE})
  --key-bit B             key bit flipped for key sensitivity, 0-255 (default 0)
  --scatter N             scatter points kept per direction in --json output
                          (default 1000 for one image, 0 for several)
  --json                  JSON on stdout: {file, source, conversion, report} for one image;
                          {images: [...], failures: [...], aggregate} for several`;

interface ParsedOptions {
  inputs: string[];
  condition: Condition;
  size: number | undefined;
  fit: FitMode;
  dicom: ReturnType<typeof parseDicomOptions>;
  json: boolean;
  scatter: number | undefined;
  analyze: AnalyzeOptions;
}

const options = {
  key: { type: 'string' },
  ...passphraseOptions,
  condition: { type: 'string' },
  size: { type: 'string' },
  fit: { type: 'string' },
  ...dicomCliOptions,
  pairs: { type: 'string' },
  seed: { type: 'string' },
  block: { type: 'string' },
  'key-bit': { type: 'string' },
  scatter: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

function parseOptions(
  values: Record<string, string | boolean | undefined>,
  positionals: string[],
): ParsedOptions {
  if (positionals.length === 0)
    throw new CipherLensError('BAD_INPUT', `give at least one image or folder\n\n${usage}`);
  if (typeof values.condition !== 'string')
    throw new CipherLensError('BAD_INPUT', '--condition C is required');
  const fit = (values.fit ?? 'error') as string;
  if (fit !== 'error' && fit !== 'resize' && fit !== 'pad') {
    throw new CipherLensError('BAD_INPUT', `--fit must be error, resize or pad, got "${fit}"`);
  }
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const analyze: AnalyzeOptions = {};
  const pairs = parseIntegerOption(text('pairs'), 'pairs', 2, 10_000_000);
  const seed = parseIntegerOption(text('seed'), 'seed', 0, 0xffffffff);
  const blockSize = parseIntegerOption(text('block'), 'block', 2, 16384);
  const keyBit = parseIntegerOption(text('key-bit'), 'key-bit', 0, 255);
  if (pairs !== undefined) analyze.pairs = pairs;
  if (seed !== undefined) analyze.seed = seed;
  if (blockSize !== undefined) analyze.blockSize = blockSize;
  if (keyBit !== undefined) analyze.keyBit = keyBit;
  return {
    inputs: positionals,
    condition: parseCondition(values.condition),
    size: parseIntegerOption(text('size'), 'size', 2, 16384),
    fit,
    dicom: parseDicomOptions({ frame: text('frame'), window: text('window') }),
    json: values.json === true,
    scatter: parseIntegerOption(text('scatter'), 'scatter', 0, 1_000_000),
    analyze,
  };
}

interface Inputs {
  files: string[];
  /** One image file named directly: errors are fatal and the output is the detailed table. */
  single: boolean;
}

async function collectInputs(paths: string[]): Promise<Inputs> {
  const found = await collectRequiredInputs(paths, IMAGE_EXTENSIONS, `${IMAGE_EXTENSIONS.join('/')} images`);
  const single = paths.length === 1 && found.length === 1 && found[0]!.path === paths[0];
  return { files: found.map((file) => file.path), single };
}

async function analyzeFile(
  file: string,
  key: CipherKey,
  parsed: ParsedOptions,
  scatterSamples: number,
): Promise<AnalyzedImage> {
  const decoded = await readImage(file, {
    fit: parsed.fit,
    ...parsed.dicom,
    ...(parsed.size === undefined ? {} : { size: parsed.size }),
  });
  const report = analyzeImage(decoded.pixels, key, parsed.condition, { ...parsed.analyze, scatterSamples });
  return { file, source: decoded.source, conversion: decoded.conversion, report };
}

/** Writes and waits when the pipe is full, so a large --json run does not pile up in memory. */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

async function analyzeMany(files: string[], key: CipherKey, parsed: ParsedOptions): Promise<number> {
  const stdout = process.stdout;
  const aggregator = createReportAggregator();
  const rows: string[][] = [];
  const scatter = parsed.scatter ?? 0;
  let written = 0;
  if (parsed.json) await write(stdout, '{"images":[');
  // Reports are folded into the aggregate and streamed (JSON) or reduced to a row (table) as they come,
  // so a folder of any size is analysed in bounded memory.
  const { failures } = await runEach(
    'analyze',
    files,
    (file) => file,
    async (file) => {
      const image = await analyzeFile(file, key, parsed, scatter);
      aggregator.add(image.report);
      if (parsed.json) await write(stdout, `${written++ === 0 ? '' : ','}\n${JSON.stringify(image)}`);
      else rows.push(folderRow(image));
    },
  );
  const aggregate = failures.length < files.length ? aggregator.result() : null;
  if (parsed.json) {
    const failureList = failures.map(({ input, code, message }) => ({ file: input, code, message }));
    await write(
      stdout,
      `\n],"failures":${JSON.stringify(failureList)},"aggregate":${JSON.stringify(aggregate)}}\n`,
    );
  } else {
    if (rows.length > 0)
      await write(stdout, `${formatTable(FOLDER_HEADER, rows, FOLDER_ALIGN).join('\n')}\n\n`);
    if (aggregate) await write(stdout, renderAggregate(aggregate));
  }
  return reportFailures('analyze', failures, files.length);
}

const command: CliCommand = {
  name: 'analyze',
  summary: 'Security report (entropy, correlation, NPCR/UACI, Wu test) of images or a folder',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('analyze', argv, options);
    const parsed = parseOptions(values, positionals);
    const inputs = await collectInputs(parsed.inputs);
    const key = await loadKeyOption(values);
    if (!inputs.single) return analyzeMany(inputs.files, key, parsed);
    const image = await analyzeFile(inputs.files[0]!, key, parsed, parsed.scatter ?? 1000);
    if (parsed.json) printJson(image);
    else process.stdout.write(renderImageReport(image));
    return 0;
  },
};

export default command;
