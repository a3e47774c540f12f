import type { ErrorCode } from '../errors.js';
import type { ModelCard } from './model-card.js';
import type { InferenceOutputs } from './model-runner.js';
import type { ExecutionProvider, ProviderPreference } from './providers.js';

/** Messages between an inference engine and the thread or process that hosts its ONNX session. */
export type InferenceRequest =
  | {
      type: 'open';
      onnxPath: string;
      /** A transformed model's graph (in memory only, never on disk). */
      onnxBytes?: Uint8Array;
      card: ModelCard;
      provider: ProviderPreference;
      threads: number | undefined;
    }
  | { type: 'run'; id: number; images: Uint8Array; batchSize: number | undefined }
  | { type: 'cancel'; id: number }
  | { type: 'close' };

export type InferenceReply =
  | {
      type: 'opened';
      provider: ExecutionProvider;
      threads: number;
      fallbacks: { provider: ExecutionProvider; error: string }[];
    }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'result'; id: number; outputs: InferenceOutputs }
  /** `id` null: the failure concerns opening the model, not a run. */
  | { type: 'error'; id: number | null; code: ErrorCode; message: string }
  | { type: 'log'; message: string }
  | { type: 'closed' };
