import { z } from 'zod';
import { EvaluationReportSchema, type EvaluationReport } from '../shared/analysis.js';
import type { Workspace } from '../core/workspace/workspace.js';

/** The latest evaluation and which item fell in which confusion-matrix cell (for click-through). */
/** Reports stored before the run recorded what reached the model say so ('unknown') rather than guess. */
const storedReportSchema = z.preprocess((value) => {
  const run = (value as { run?: Record<string, unknown> } | null)?.run;
  return run && typeof run === 'object' && !('input' in run)
    ? { ...(value as object), run: { ...run, input: 'unknown' } }
    : value;
}, EvaluationReportSchema);

const storedEvaluationSchema = z.object({
  report: storedReportSchema,
  assignments: z.array(z.object({ id: z.string(), actual: z.string(), predicted: z.string() })),
});
export type StoredEvaluation = z.infer<typeof storedEvaluationSchema>;

const path = (workspace: Workspace): string => workspace.layout.document('evaluation');

export async function readEvaluation(workspace: Workspace): Promise<StoredEvaluation | null> {
  return workspace.readDocument(path(workspace), storedEvaluationSchema);
}

export async function writeEvaluation(workspace: Workspace, evaluation: StoredEvaluation): Promise<void> {
  await workspace.writeDocument(path(workspace), evaluation);
}

export type { EvaluationReport };
