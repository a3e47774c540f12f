import { z } from 'zod';

/**
 * The JSON-lines protocol of `python -m training.train` (training/progress.py): one object per stdout line,
 * discriminated by `event`. Lines that are not JSON, or events this version does not know, are passed on as log text.
 */
const metricsSchema = z.object({ accuracy: z.number(), weightedF1: z.number(), macroF1: z.number() });

const startEvent = z.object({
  event: z.literal('start'),
  id: z.string(),
  architecture: z.string(),
  dataset: z.string(),
  condition: z.string(),
  device: z.string(),
  threads: z.number(),
  jemalloc: z.boolean(),
  parameters: z.number(),
  trainSize: z.number(),
  valSize: z.number(),
  testSize: z.number(),
  epochs: z.number(),
  stepsPerEpoch: z.number(),
  totalSteps: z.number(),
  resumedFromEpoch: z.number(),
});
const stepEvent = z.object({
  event: z.literal('step'),
  epoch: z.number(),
  step: z.number(),
  totalSteps: z.number(),
  loss: z.number().nullable(),
});
const epochEvent = z.object({
  event: z.literal('epoch'),
  epoch: z.number(),
  epochs: z.number(),
  step: z.number(),
  totalSteps: z.number(),
  best: z.boolean(),
  loss: z.number().nullable(),
  trainAccuracy: z.number(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number(),
  valWeightedF1: z.number(),
  valMacroF1: z.number(),
  seconds: z.number(),
  lr: z.number(),
});
const earlyStopEvent = z.object({
  event: z.literal('early-stop'),
  epoch: z.number(),
  bestEpoch: z.number(),
  patience: z.number(),
});
const testEvent = metricsSchema.extend({ event: z.literal('test'), id: z.string(), bestEpoch: z.number() });
const exportEvent = z.object({
  event: z.literal('export'),
  id: z.string(),
  onnx: z.string(),
  bytes: z.number(),
  maxAbsDiffVsTorch: z.number().nullable(),
});
const doneEvent = z.object({
  event: z.literal('done'),
  id: z.string(),
  card: z.string(),
  onnx: z.string(),
  metrics: z.object({ validation: metricsSchema, test: metricsSchema }),
  skipped: z.boolean(),
  durationSeconds: z.number(),
  epochsRun: z.number(),
  bestEpoch: z.number(),
  device: z.string(),
});
const errorEvent = z.object({ event: z.literal('error'), code: z.string(), message: z.string() });

export const trainerEventSchema = z.discriminatedUnion('event', [
  startEvent,
  stepEvent,
  epochEvent,
  earlyStopEvent,
  testEvent,
  exportEvent,
  doneEvent,
  errorEvent,
]);

export type TrainerEvent = z.infer<typeof trainerEventSchema>;
export type TrainerStartEvent = z.infer<typeof startEvent>;
export type TrainerEpochEvent = z.infer<typeof epochEvent>;
export type TrainerDoneEvent = z.infer<typeof doneEvent>;
export type ClassificationMetrics = z.infer<typeof metricsSchema>;

export type ParsedLine = { kind: 'event'; event: TrainerEvent } | { kind: 'log'; text: string };

export function parseTrainerLine(line: string): ParsedLine | null {
  const text = line.trim();
  if (!text) return null;
  if (!text.startsWith('{')) return { kind: 'log', text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'log', text };
  }
  const parsed = trainerEventSchema.safeParse(value);
  return parsed.success ? { kind: 'event', event: parsed.data } : { kind: 'log', text };
}

/** Splits a byte stream into lines; a line may arrive across several chunks. */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return lines;
  }

  /** Whatever is left after the stream ended (a last line without a newline). */
  flush(): string[] {
    const rest = this.pending;
    this.pending = '';
    return rest ? [rest] : [];
  }
}
