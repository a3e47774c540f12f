// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src/shared/index.js';
import { createModelsPanel } from '../../src/renderer/views/settings/models.js';
import {
  cardMetrics,
  modelSummary,
  provenance,
  readsBadge,
  selectNeedsConfirmation,
} from '../../src/renderer/views/settings/models-state.js';
import { fakeContext } from './harness.js';

const KEY = 'dddddddddddddddd';

function model(overrides: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id: 'm1',
    name: 'MedNIST CNN',
    dataset: 'mednist',
    architecture: 'cnn',
    condition: 'arnold+xor',
    inputSize: 64,
    classes: ['Hand', 'Head'],
    reads: 'trained-for-key',
    keyFingerprint: KEY,
    transformedFrom: null,
    transformable: false,
    source: 'shipped',
    compatible: true,
    problems: [],
    metrics: {},
    ...overrides,
  } as ModelInfo;
}

describe('models panel state', () => {
  it('shows the test split alone when the card has one', () => {
    expect(cardMetrics({ 'test.f1': 0.99171, 'val.f1': 0.5 })).toBe('test split: f1 0.9917');
    expect(cardMetrics({ 'val.f1': 0.5 })).toBe('val.f1 0.5000');
    expect(cardMetrics({})).toBe('');
  });

  it('says what reaches each kind of model and where it comes from', () => {
    expect(readsBadge(model({ reads: 'plain' }))).toEqual({
      tone: 'warn',
      text: 'PLAIN images — sees decrypted input',
    });
    expect(readsBadge(model()).text).toBe(`encrypted with key ${KEY}`);
    expect(provenance(model())).toBe(`Trained for key ${KEY}`);
    expect(provenance(model({ reads: 'transformed-for-key', transformedFrom: 'plain-1' }))).toMatch(
      /^Derived in memory from plain-1 for key d+; never written to disk$/,
    );
    expect(provenance(model({ reads: 'plain', transformable: true }))).toMatch(/transformable/);
    expect(modelSummary(model())).toBe('mednist · cnn · arnold+xor · 64×64 · 2 classes (Hand, Head)');
  });

  it('asks before selecting a plain model only', () => {
    expect(selectNeedsConfirmation(model({ reads: 'plain' }))).toBe(true);
    expect(selectNeedsConfirmation(model())).toBe(false);
  });
});

describe('models panel (happy-dom)', () => {
  it('lists the models of the store, marking the active one and a mismatch', async () => {
    const context = fakeContext({
      modelsList: () => ({
        activeId: 'm1',
        models: [model(), model({ id: 'm2', compatible: false, problems: ['trained for another key'] })],
      }),
    });
    const panel = createModelsPanel(context);
    await context.store.refresh('models');
    const rows = [...panel.querySelectorAll<HTMLElement>('[data-testid="model-row"]')];
    expect(rows.map((row) => row.dataset.modelId)).toEqual(['m1', 'm2']);
    expect(rows[0]!.classList.contains('active')).toBe(true);
    expect(rows[1]!.querySelector('[data-testid="model-problem"]')?.textContent).toBe(
      'trained for another key',
    );
  });
});
