import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { createImageCipher } from '../../core/crypto/cipher.js';
import { parseCondition, CONDITIONS } from '../../core/crypto/condition.js';
import { loadKeyFile } from '../../core/crypto/keys.js';
import { planSplits } from '../../core/datasets/dataset.js';
import {
  defaultExportDir,
  PACKAGE_ROOT,
  resolveCacheDir,
  resolveDataDir,
} from '../../core/datasets/data-dir.js';
import { exportTensors } from '../../core/datasets/export.js';
import { openDataset } from '../../core/datasets/open.js';
import { DEFAULT_SPLIT_SEED } from '../../core/datasets/splits.js';
import { CipherLensError } from '../../core/errors.js';
import type { FitMode } from '../../core/image/decode.js';
import type { CliCommand } from '../command.js';
import { parseNonNegativeInteger, printJson } from '../crypto-options.js';
import { createLazyProgressBar, createProgressBar } from '../progress.js';

const DEFAULT_KEY = join(PACKAGE_ROOT, 'resources', 'keys', 'demo.key');

const usage = `Usage: cipherlens export-dataset --dataset mnist|mednist|<folder> --condition ${CONDITIONS.join('|')} [options]

Decodes a dataset, splits it (train/val/test, fixed seed), encrypts every image and writes
<split>-images.npy (uint8 n×N×N), <split>-labels.npy (int64) and manifest.json (written last).

Options:
  --dataset NAME       mnist, mednist, or a folder of class folders (<folder>/<class>/*.png|jpg)
  --condition C        ${CONDITIONS.join(' | ')}
  --key FILE           key file (default resources/keys/demo.key, the PUBLIC demo key)
                       a passphrase-protected key reads its passphrase from env CIPHERLENS_PASSPHRASE
  --data-dir DIR       where datasets live (default: env CIPHERLENS_DATA, else ../shared/data beside
                       the repository if present, else data/datasets)
  --out DIR            output folder (default data/exports/<dataset>-<condition>)
  --seed N             split seed (default ${DEFAULT_SPLIT_SEED})
  --size N             class-folder datasets: image side (default 64)
  --fit MODE           class-folder datasets: error | resize | pad for non-square images (default error)
  --cache-dir DIR      decoded-image cache (default: env CIPHERLENS_CACHE, else
                       $XDG_CACHE_HOME/cipherlens, else ~/.cache/cipherlens)
  --no-cache           decode from the source even if a cache exists
  --json               print the manifest on stdout`;

const command: CliCommand = {
  name: 'export-dataset',
  summary: 'Split and encrypt a dataset into .npy tensors for training',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        dataset: { type: 'string' },
        condition: { type: 'string' },
        key: { type: 'string' },
        'data-dir': { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        size: { type: 'string' },
        fit: { type: 'string' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (!values.dataset || !values.condition) {
      throw new CipherLensError('BAD_INPUT', `--dataset and --condition are required\n\n${usage}`);
    }
    const condition = parseCondition(values.condition);
    const seed = parseNonNegativeInteger(values.seed, 'seed', DEFAULT_SPLIT_SEED);
    const fit = (values.fit ?? 'error') as FitMode;
    if (!['error', 'resize', 'pad'].includes(fit)) {
      throw new CipherLensError('BAD_INPUT', `--fit must be error, resize or pad, got "${values.fit}"`);
    }
    const key =
      condition === 'plain'
        ? null
        : await loadKeyFile(values.key ?? DEFAULT_KEY, process.env.CIPHERLENS_PASSPHRASE);
    const dataDir = resolveDataDir(values['data-dir']);
    const started = Date.now();

    const decodeBar = createLazyProgressBar('decode ');
    const { dataset, cacheHit } = await openDataset(values.dataset, {
      dataDir,
      cacheDir: values['no-cache'] ? null : resolveCacheDir(values['cache-dir']),
      imageSize: parseNonNegativeInteger(values.size, 'size', 64),
      fit,
      onProgress: (decoded, total) => decodeBar.update(decoded, total),
    });
    decodeBar.finish();
    const loadedAt = Date.now();
    process.stderr.write(
      `${dataset.name}: ${dataset.classes.length} classes, ${dataset.imageSize}×${dataset.imageSize}, ` +
        `loaded in ${((loadedAt - started) / 1000).toFixed(1)} s${cacheHit ? ' (from cache)' : ''}\n`,
    );

    const plan = planSplits(dataset, seed);
    const cipher = key ? createImageCipher(key, condition, dataset.imageSize) : null;
    const outDir = values.out ?? defaultExportDir(dataset.name, condition);
    const total = plan.train.indices.length + plan.val.indices.length + plan.test.indices.length;
    const exportBar = createProgressBar(condition === 'plain' ? 'write  ' : 'encrypt', total);
    const manifest = await exportTensors({
      dataset,
      plan,
      splitSeed: seed,
      condition,
      cipher,
      outDir,
      onProgress: (done) => exportBar.update(done),
    });
    exportBar.finish(
      `wrote ${outDir}: train ${manifest.splits.train}, val ${manifest.splits.val}, test ${manifest.splits.test} ` +
        `(${condition}${key ? `, key ${key.fingerprint}` : ''}) in ${((Date.now() - loadedAt) / 1000).toFixed(1)} s`,
    );
    if (values.json) printJson(manifest);
    return 0;
  },
};

export default command;
