import { createInferenceEngine } from '../../core/inference/engine.js';
import { describeModelInput } from '../../core/inference/model-catalog.js';
import { loadModelInput, type LoadedModelInput } from '../../core/inference/model-input.js';
import { CipherLensError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import { stat } from 'node:fs/promises';
import { CONTAINER_EXTENSION } from '../../core/crypto/container.js';
import { IMAGE_EXTENSIONS } from '../../core/image/files.js';
import { collectRequiredInputs, parseCommandArgs, reportFailures, runEach } from '../crypto-options.js';
import { DICOM_USAGE, dicomCliOptions, parseDicomOptions } from '../dicom-options.js';
import { createProgressBar } from '../progress.js';
import {
  engineSettings,
  KEY_OPTIONS_HELP,
  keyOptions,
  MODEL_OPTIONS_HELP,
  modelJson,
  modelOptions,
  parseCount,
  parseFitOption,
  resolveModelAndKey,
} from './model-options.js';

const usage = `Usage: cipherlens classify <image|file.clens|folder…> [options]

Encrypts each plain image with the key and the model's condition (a .clens container is verified and used
as is, or re-encrypted for the model), runs the model and prints the most probable classes. Folders are searched recursively for images and .clens files. Any key works:
without a model trained for it, the shipped bit-plane model of --dataset is transformed for it in memory.

${MODEL_OPTIONS_HELP}
${KEY_OPTIONS_HELP}
  --top N              classes to show per image (default 5)
  --fit MODE           error | resize | pad, for images that are not N×N (default resize)
${DICOM_USAGE}`;

const classify: CliCommand = {
  name: 'classify',
  summary: 'classify images with an encrypted-domain model',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('classify', argv, {
      ...modelOptions,
      ...keyOptions,
      top: { type: 'string' },
      fit: { type: 'string' },
      ...dicomCliOptions,
    });
    if (positionals.length === 0)
      throw new CipherLensError('BAD_INPUT', 'no input images given (see `cipherlens classify --help`)');
    const top = parseCount(values.top, 'top', 5, 1000)!;
    const fit = parseFitOption(values.fit, 'resize');
    const dicom = parseDicomOptions(values);
    const settings = engineSettings(values);
    const { model, key } = await resolveModelAndKey(values);

    // Folders are searched recursively, so thousands of images need no shell glob (npx cannot pass that many).
    // A file that cannot be read stays in the list, to be reported with the others' results.
    const inputs: string[] = [];
    for (const path of positionals) {
      const folder = await stat(path).then(
        (info) => info.isDirectory(),
        () => false,
      );
      if (!folder) inputs.push(path);
      else {
        const found = await collectRequiredInputs(
          [path],
          [...IMAGE_EXTENSIONS, CONTAINER_EXTENSION],
          'images or .clens files',
        );
        inputs.push(...found.map((file) => file.path));
      }
    }
    const { done, failures } = await runEach(
      'encrypting',
      inputs,
      (path) => path,
      async (path): Promise<LoadedModelInput & { input: string }> => ({
        input: path,
        ...(await loadModelInput(model.card, key, path, fit, dicom)),
      }),
    );
    if (done.length === 0) return reportFailures('classify', failures, inputs.length);

    const engine = await createInferenceEngine({ model, key, ...settings });
    const progress = done.length > 1 ? createProgressBar('classifying', done.length) : null;
    let predictions;
    try {
      predictions = await engine.classify(
        done.map((item) => item.pixels),
        { top, onProgress: (count) => progress?.update(count) },
      );
    } finally {
      await engine.close();
    }
    progress?.finish();

    const about = modelJson(model.card);
    const results = done.map((item, i) => ({
      input: item.input,
      kind: item.kind,
      label: predictions[i]!.label,
      probability: predictions[i]!.probability,
      ...about,
      conversion: item.conversion,
      storedLabel: item.label,
      predictions: predictions[i]!.top.map(({ label, probability }) => ({ label, probability })),
    }));
    if (values.json) {
      const report = {
        model: {
          id: model.card.id,
          condition: model.card.condition,
          keyFingerprint: model.card.keyFingerprint,
          transformedFrom: model.card.transformedFrom?.model ?? null,
          reads: describeModelInput(model.card),
        },
        provider: engine.provider,
        results,
        failures,
      };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(
        `model ${model.card.id} on ${engine.provider}: reads ${describeModelInput(model.card)}\n`,
      );
      for (const result of results) {
        const ranked = result.predictions
          .map((p) => `${p.label} ${(p.probability * 100).toFixed(1)}%`)
          .join(', ');
        const stored = result.storedLabel === null ? '' : ` [stored label: ${result.storedLabel}]`;
        process.stdout.write(`${result.input}: ${ranked}${stored}\n`);
        for (const step of result.conversion) process.stdout.write(`  ${step}\n`);
      }
    }
    return reportFailures('classify', failures, inputs.length);
  },
};

export default classify;
