import type { BackendContext } from '../context.js';
import { ModelTrainer } from '../model-training.js';
import { installUserModel, readImportSource } from '../user-models.js';
import type { HandlerGroup } from './types.js';

/** The user's own models: import an ONNX model with its card, or train one for the active key. */
export function modelHandlers(
  context: BackendContext,
): HandlerGroup<'modelsImport' | 'modelsTrainStatus' | 'modelsTrain'> {
  const trainer = new ModelTrainer(context);
  return {
    async modelsImport(request) {
      const input = await readImportSource(request.source);
      const { model, replaced } = await installUserModel(input, {
        userModelsDir: context.userModelsDir,
        shippedDirs: context.options.modelsDirs,
        replace: request.replace,
        ...(context.options.createEngine && { createEngine: context.options.createEngine }),
      });
      return { model: context.models.info(model, context.activeKeyOrNull()), replaced };
    },
    async modelsTrainStatus(request) {
      return trainer.status(request.recheck);
    },
    async modelsTrain(request) {
      return { jobId: await trainer.start(request) };
    },
  };
}
