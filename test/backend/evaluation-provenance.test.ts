import { describe, expect, it } from 'vitest';
import { evaluationProvenance } from '../../src/backend/evaluation-provenance.js';
import type { ItemRecord } from '../../src/core/workspace/item-record.js';

const record = (id: string, source: string, label: string | null = 'Hand'): ItemRecord => ({
  format: 'cipherlens-item',
  version: 1,
  id,
  name: `${id}.png`,
  label,
  size: 64,
  condition: 'arnold+xor',
  keyFingerprint: '0123456789abcdef',
  source,
  sourceKey: id,
  conversion: [],
  importedAt: '2026-12-01T00:00:00.000Z',
  prediction: null,
});

const model = { id: 'mednist-dcnn', dataset: 'mednist' };

describe('evaluationProvenance', () => {
  it('names a pure test split in words', () => {
    const evaluated = [1, 2, 3].map((i) => record(`t${i}`, `mednist test split, Hand #${i}`));
    expect(evaluationProvenance(evaluated, [], model)).toEqual({
      summary: 'MedNIST test split, 3 images',
      origins: [{ title: 'MedNIST test split', kind: 'dataset', count: 3 }],
      trainingSplit: 0,
      unknownOrigin: 0,
      excluded: [],
    });
  });

  it("counts the model's training split, own files, and what was left out and why", () => {
    const evaluated = [
      record('a', 'mednist test split, Hand #1'),
      record('b', 'mednist train split, Hand #2'),
      record('c', 'mednist train split, CXR #3'),
      record('d', 'uploaded hand.jpeg'),
      // Another dataset's train split is not this model's training data.
      record('e', 'mnist train split, train #4'),
    ];
    const provenance = evaluationProvenance(
      evaluated,
      [
        { record: record('x', 'mnist test split, t10k #1', '7'), reason: 'other-classes' },
        { record: record('y', 'mnist test split, t10k #2', '3'), reason: 'other-classes' },
        { record: record('z', '/scans/a.png', null), reason: 'unlabelled' },
        { record: record('w', '/scans/b.png'), reason: 'other-key' },
      ],
      model,
    );
    expect(provenance.trainingSplit).toBe(2);
    expect(provenance.unknownOrigin).toBe(1);
    expect(provenance.summary).toBe(
      'MedNIST train split, 2 images + MedNIST test split, 1 image + your images, origin unknown, 1 image + MNIST train split, 1 image',
    );
    expect(provenance.excluded).toEqual([
      {
        reason: "labelled with classes mednist-dcnn does not have (3, 7): another dataset's images",
        count: 2,
      },
      { reason: 'unlabelled: nothing to compare the prediction with', count: 1 },
      { reason: 'encrypted with another key: the active model cannot read them', count: 1 },
    ]);
  });
});
