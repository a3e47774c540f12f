import { runTrainer } from '../training/trainer.js';
import type { StudyTrainer } from './runner.js';

/** The study's trainer: the project's Python trainer, with the study budget and resumable checkpoints. */
export function pythonStudyTrainer(options: { python?: string; threads?: number } = {}): StudyTrainer {
  return {
    async train({ configuration, exportDir, outDir, modelId, onProgress, signal }) {
      const b = configuration.budget;
      const result = await runTrainer({
        data: exportDir,
        architecture: configuration.architecture,
        out: outDir,
        id: modelId,
        epochs: b.epochs,
        patience: b.patience,
        ...(b.maxTrain !== null && { maxTrain: b.maxTrain }),
        batchSize: b.batchSize,
        learningRate: b.learningRate,
        seed: b.seed,
        resume: true,
        python: options.python,
        threads: options.threads,
        signal,
        onEvent: (event) => {
          if (event.event === 'epoch') {
            onProgress(
              `epoch ${event.epoch}/${event.epochs}: val accuracy ${(event.valAccuracy * 100).toFixed(2)}% (${event.seconds.toFixed(0)} s)`,
            );
          }
        },
      });
      return {
        cardPath: result.cardPath,
        durationSeconds: result.durationSeconds,
        epochsRun: result.epochsRun,
        device: result.device,
      };
    },
  };
}
