import type { ModelInfo } from '../../../shared/index.js';
import { formatNumber } from '../../components/dom.js';

/** What the models panel says about each model, apart from drawing it (tested in test/renderer/models.test.ts). */

/**
 * The card's headline numbers. Cards name them "split.metric"; the test split is what a person compares
 * with the paper, so it is shown alone when present.
 */
export function cardMetrics(metrics: Record<string, number>): string {
  const entries = Object.entries(metrics);
  const test = entries.filter(([name]) => name.startsWith('test.'));
  const shown =
    test.length > 0 ? test.map(([name, value]) => [name.slice('test.'.length), value] as const) : entries;
  const text = shown.map(([name, value]) => `${name} ${formatNumber(value)}`).join(' · ');
  return test.length > 0 ? `test split: ${text}` : text;
}

/** Where the model comes from and which key it is for, in one line. */
export function provenance(model: ModelInfo): string {
  if (model.reads === 'transformed-for-key')
    return `Derived in memory from ${model.transformedFrom ?? '?'} for key ${model.keyFingerprint ?? '?'}; never written to disk`;
  if (model.reads === 'plain')
    return model.transformable
      ? 'Trained on plain images; transformable: every key gets its own encrypted version of it ("transformed for the active key")'
      : 'Trained on plain images; needs no key';
  return `Trained for key ${model.keyFingerprint ?? '?'}`;
}

/** The badge for what reaches the model: PLAIN input is the one that warns. */
export function readsBadge(model: ModelInfo): { tone: 'warn' | 'ok' | null; text: string } {
  switch (model.reads) {
    case 'plain':
      return { tone: 'warn', text: 'PLAIN images — sees decrypted input' };
    case 'transformed-for-key':
      return { tone: 'ok', text: 'transformed for the active key' };
    case 'trained-for-key':
      return { tone: null, text: `encrypted with key ${model.keyFingerprint ?? '?'}` };
  }
}

/** "MedNIST · cnn · arnold+xor · 64×64 · 6 classes (…)" */
export const modelSummary = (model: ModelInfo): string =>
  `${model.dataset} · ${model.architecture} · ${model.condition} · ${model.inputSize}×${model.inputSize} · ${model.classes.length} classes (${model.classes.join(', ')})`;

/** Selecting a plain model asks first: every image would be decrypted before it reaches it. */
export const selectNeedsConfirmation = (model: ModelInfo): boolean => model.reads === 'plain';
