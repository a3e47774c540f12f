export interface RunInfo {
  modelId: string;
  provider: string;
  elapsedMs: number;
}

/** "Model mednist-dcnn on cpu, 12 ms": which model and device produced a result. */
export function runInfoText(run: RunInfo): string {
  const time =
    run.elapsedMs >= 1000 ? `${(run.elapsedMs / 1000).toFixed(2)} s` : `${run.elapsedMs.toFixed(0)} ms`;
  return `Model ${run.modelId} on ${run.provider}, ${time}`;
}
