// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { createClassifyView } from '../../src/renderer/views/classify.js';
import {
  batchSummary,
  clampTopK,
  modelSawCaption,
  oodWarning,
  resultTitle,
  TOP_K_MAX,
  verdict,
  type BatchResult,
  type ClassifyResult,
} from '../../src/renderer/views/classify-state.js';
import { keyScope } from '../../src/renderer/views/shared/keyScope.js';
import { fakeContext } from './harness.js';

function result(overrides: Partial<ClassifyResult> = {}): ClassifyResult {
  return {
    predictions: [
      { label: 'Hand', probability: 0.973 },
      { label: 'Head', probability: 0.027 },
    ],
    trueLabel: 'Hand',
    outOfDistribution: null,
    ...overrides,
  } as ClassifyResult;
}

describe('classify view state', () => {
  it('titles the top prediction and judges it against the label', () => {
    expect(resultTitle(result())).toBe('Hand — 97.3%');
    expect(resultTitle(result({ predictions: [] }))).toBe('No prediction');
    expect(verdict(result())).toEqual({ correct: true, text: 'Correct: labelled Hand' });
    expect(verdict(result({ trueLabel: 'Head' }))).toEqual({ correct: false, text: 'Wrong: labelled Head' });
    expect(verdict(result({ trueLabel: null }))).toBeNull();
  });

  it('warns only when the calibrated score flags the image', () => {
    const ood = { method: 'energy', score: 12.3456, threshold: 10, flag: true };
    expect(oodWarning(result())).toBeNull();
    expect(oodWarning(result({ outOfDistribution: { ...ood, flag: false } } as never))).toBeNull();
    const warning = oodWarning(result({ outOfDistribution: ood } as never))!;
    expect(warning.title).toBe('energy score 12.35 > threshold 10.00');
    expect(warning.text).toMatch(/^This image scores 12\.35 \(energy\), above 10\.00/);
  });

  it('never calls a plain model input encrypted, and bounds top-k', () => {
    expect(modelSawCaption('encrypted')).toBe('what the model saw (encrypted)');
    expect(modelSawCaption('decrypted')).toMatch(/decrypted — plain model/);
    expect([clampTopK(0), clampTopK(3.5), clampTopK(TOP_K_MAX + 5), clampTopK(Number.NaN)]).toEqual([
      1,
      3,
      TOP_K_MAX,
      1,
    ]);
  });

  it('counts a batch: misclassified labelled rows, and out-of-distribution ones when calibrated', () => {
    const row = (trueLabel: string | null, top: string, flag?: boolean) => ({
      id: `${trueLabel}-${top}`,
      trueLabel,
      predictions: [{ label: top, probability: 0.9 }],
      outOfDistribution: flag === undefined ? null : { method: 'msp', score: 1, threshold: 0.5, flag },
    });
    const batch = {
      results: [row('Hand', 'Hand', false), row('Hand', 'Head', true), row(null, 'Head', false)],
    } as unknown as BatchResult;
    const summary = batchSummary(batch);
    expect(summary.wrong.map((r) => r.id)).toEqual(['Hand-Head']);
    expect([summary.unlike, summary.calibrated]).toEqual([1, true]);
    const uncalibrated = { results: [row('Hand', 'Hand')] } as unknown as BatchResult;
    expect(batchSummary(uncalibrated).calibrated).toBe(false);
  });
});

describe('classify view (happy-dom)', () => {
  it('starts with nothing classified and the Classify button disabled until an image is picked', () => {
    const view = createClassifyView(fakeContext());
    expect(view.element.textContent).toContain('No image classified yet');
    expect(view.element.querySelector<HTMLButtonElement>('[data-testid="classify-run"]')!.disabled).toBe(
      true,
    );
  });
});

describe('key scope', () => {
  it('says before running that images under another key will be skipped', () => {
    const workspace = {
      itemCount: 131,
      keys: [
        { fingerprint: 'aaaaaaaaaaaaaaaa', count: 120 },
        { fingerprint: 'bbbbbbbbbbbbbbbb', count: 11 },
      ],
    };
    const scope = keyScope(workspace, 'aaaaaaaaaaaaaaaa');
    expect(scope.allLabel).toBe('All images under the active key (120 of 131)');
    expect(scope.note).toBe(
      '11 images are encrypted with another key (11 under bbbbbbbbbbbbbbbb): the active model cannot read them, so they are left out. Switch to that key in Settings to work with them.',
    );
    expect(
      keyScope({ itemCount: 5, keys: [{ fingerprint: 'aaaaaaaaaaaaaaaa', count: 5 }] }, 'aaaaaaaaaaaaaaaa'),
    ).toEqual({
      allLabel: 'All images (5)',
      note: null,
    });
    expect(keyScope(workspace, null).note).toMatch(/^No key is active/);
    expect(keyScope(null, null)).toEqual({ allLabel: 'All images (0)', note: null });
  });
});
