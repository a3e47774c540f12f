import { z } from 'zod';
import { EvaluationReportSchema, type EvaluationReport } from '../../shared/analysis.js';
import type { Workspace } from '../workspace/workspace.js';

/** The latest evaluation and which item fell in which confusion-matrix cell (for click-through). */
const storedEvaluationSchema = z.object({
  report: EvaluationReportSchema,
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
