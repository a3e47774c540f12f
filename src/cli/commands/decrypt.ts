import { join } from 'node:path';
import { CONTAINER_EXTENSION, decryptContainer, readContainerFile } from '../../core/crypto/container.js';
import type { CipherKey } from '../../core/crypto/keys.js';
import { CipherLensError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs/atomic.js';
import { encodeGreyPng } from '../../core/image/decode.js';
import { type InputFile, withExtension } from '../../core/image/files.js';
import type { CliCommand } from '../command.js';
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
} from '../crypto-options.js';

const usage = `Usage: cipherlens decrypt <file.clens|folder…> --key K --out DIR [options]

Checks each .clens file (format, key fingerprint, HMAC) and writes the decrypted image as an 8-bit greyscale PNG.
A file that fails any check produces no output. Folders are walked recursively for *.clens.
  --key K                key file the images were encrypted with
  --passphrase-env VAR | --passphrase-file F   passphrase of a protected key
  --out DIR              output folder (structure kept, extension .png)
  --force                overwrite existing outputs
  --json                 print a JSON report on stdout`;

interface Done {
  input: string;
  output: string;
  condition: string;
  size: number;
  name: string | null;
  label: string | null;
}

const decrypt: CliCommand = {
  name: 'decrypt',
  summary: 'decrypt .clens files back to PNG',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('decrypt', argv, {
      key: { type: 'string' },
      ...outputOptions,
      ...passphraseOptions,
    });
    if (positionals.length === 0) throw new CipherLensError('BAD_INPUT', 'no .clens files given');
    if (!values.out) throw new CipherLensError('BAD_INPUT', '--out DIR is required');
    const out = values.out;
    const key = await loadKeyOption(values);
    const inputs = await collectRequiredInputs(positionals, [CONTAINER_EXTENSION], '.clens files');
    const jobs = inputs.map((input) => ({ input, output: join(out, withExtension(input.relative, '.png')) }));
    const seen = new Set<string>();
    for (const job of jobs) {
      if (seen.has(job.output))
        throw new CipherLensError('BAD_INPUT', `two inputs would both be written to ${job.output}`);
      seen.add(job.output);
      if (!values.force) await refuseOverwrite(job.output);
    }

    const { done, failures } = await runEach(
      'decrypting',
      jobs,
      (job) => job.input.path,
      (job) => decryptOne(job.input, job.output, key),
    );

    if (values.json) {
      printJson({ keyFingerprint: key.fingerprint, decrypted: done, failures });
    } else if (done.length === 1 && done[0]) {
      const item = done[0];
      process.stdout.write(
        `decrypted ${item.input} (${item.condition}, ${item.size}×${item.size}) → ${item.output}\n`,
      );
    } else if (done.length > 1) {
      process.stdout.write(`decrypted ${done.length} images → ${out}\n`);
    }
    return reportFailures('decrypt', failures, jobs.length);
  },
};

export default decrypt;

async function decryptOne(input: InputFile, output: string, key: CipherKey): Promise<Done> {
  const bytes = await readContainerFile(input.path);
  const opened = decryptContainer(key, bytes, input.path);
  const { size, condition } = opened.header;
  await writeFileAtomic(output, await encodeGreyPng({ pixels: opened.pixels, width: size, height: size }));
  return {
    input: input.path,
    output,
    condition,
    size,
    name: opened.metadata.name ?? null,
    label: opened.metadata.label ?? null,
  };
}
