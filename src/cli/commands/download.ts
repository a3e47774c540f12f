import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDownloadDir } from '../../core/datasets/data-dir.js';
import {
  datasetTargets,
  downloadFile,
  DOWNLOADABLE_DATASETS,
  type DownloadableDataset,
} from '../../core/datasets/download.js';
import { CipherLensError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import { parseNonNegativeInteger } from '../crypto-options.js';
import { createLazyProgressBar } from '../progress.js';

const usage = `Usage: cipherlens download --dataset mnist|mednist [options]

Downloads a dataset's files from their canonical sources, verifies their checksums, and resumes
interrupted downloads (from <file>.part, also on a later run).

Options:
  --dataset NAME     mnist (4 IDX .gz files from the torchvision S3 mirror) or mednist (MONAI's MedNIST.tar.gz)
  --data-dir DIR     target folder (default: env CIPHERLENS_DATA, else data/datasets in the repository)
  --mirror URL       fetch <URL>/<file name> instead of the canonical URLs (checksums still enforced)
  --retries N        resume attempts after a dropped connection (default 3)`;

const command: CliCommand = {
  name: 'download',
  summary: 'Download MNIST or MedNIST (checksum-verified, resumable)',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        dataset: { type: 'string' },
        'data-dir': { type: 'string' },
        mirror: { type: 'string' },
        retries: { type: 'string' },
      },
      strict: true,
    });
    const dataset = values.dataset as DownloadableDataset | undefined;
    if (!dataset || !DOWNLOADABLE_DATASETS.includes(dataset)) {
      throw new CipherLensError(
        'BAD_INPUT',
        `--dataset must be one of ${DOWNLOADABLE_DATASETS.join(', ')}\n\n${usage}`,
      );
    }
    const retries = parseNonNegativeInteger(values.retries, 'retries', 3);
    const dataDir = resolveDownloadDir(values['data-dir']);
    for (const target of datasetTargets(dataset, dataDir, values.mirror)) {
      const name = basename(target.destination);
      const bar = createLazyProgressBar(`${name} (KiB)`);
      const result = await downloadFile(target, {
        retries,
        onProgress: (received, total) =>
          bar.update(Math.floor(received / 1024), total === null ? undefined : Math.ceil(total / 1024)),
      });
      bar.finish();
      const how =
        result.status === 'present'
          ? 'already present, verified'
          : result.resumedFrom > 0
            ? `downloaded (resumed at byte ${result.resumedFrom}), verified`
            : 'downloaded, verified';
      process.stderr.write(`${result.path}: ${result.bytes} bytes, sha256 ${result.sha256} — ${how}\n`);
    }
    return 0;
  },
};

export default command;
