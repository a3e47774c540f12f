import type { RunInfo } from '../../../shared/index.js';

/** "Model mednist-dcnn on cpu, 12 ms, encrypted input": which model and device produced a result, from what. */
export function runInfoText(run: RunInfo): string {
  const time =
    run.elapsedMs >= 1000 ? `${(run.elapsedMs / 1000).toFixed(2)} s` : `${run.elapsedMs.toFixed(0)} ms`;
  const input =
    run.input === 'encrypted'
      ? 'encrypted input'
      : run.input === 'decrypted'
        ? 'DECRYPTED input (plain model)'
        : 'input not recorded (stored by an older version)';
  return `Model ${run.modelId} on ${run.provider}, ${time}, ${input}`;
}
