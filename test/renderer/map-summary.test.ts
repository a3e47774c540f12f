import { describe, expect, it } from 'vitest';
import type { MapGetResponse, MapPoint } from '../../src/shared/index.js';
import { mapDescription, selectionSummary } from '../../src/renderer/views/map/summary.js';

const response = (overrides: Partial<MapGetResponse>): MapGetResponse => ({
  modelId: 'mednist-dcnn-arnoldplusxor',
  keyFingerprint: 'b574d9e46e54e965',
  indexVersion: 'v1',
  method: 'pca',
  points: [{ id: 'a' } as MapPoint, { id: 'b' } as MapPoint],
  explainedVariance: [0.41, 0.22],
  notIndexed: 0,
  otherKey: 0,
  umap: { stale: false, jobId: null },
  ...overrides,
});

describe('map summary', () => {
  it('says what is on the map, what the axes hold, and what is missing and why', () => {
    expect(mapDescription(response({}))).toBe(
      "2 images of key b574d9e46e54e965 embedded by mednist-dcnn-arnoldplusxor, laid out by PCA. The axes hold 41.0% and 22.0% of the embeddings' variance.",
    );
    expect(
      mapDescription(response({ method: 'umap', explainedVariance: null, notIndexed: 1, otherKey: 11 })),
    ).toBe(
      '2 images of key b574d9e46e54e965 embedded by mednist-dcnn-arnoldplusxor, laid out by UMAP. 1 image is not embedded yet (not on the map). 11 images under other keys cannot be read by this model and are never on this map.',
    );
    expect(mapDescription(response({ modelId: null, points: null, explainedVariance: null }))).toBe('');
  });

  it('counts a selection by label, most frequent first', () => {
    expect(selectionSummary([{ label: 'CXR' }, { label: 'Hand' }, { label: 'Hand' }, { label: null }])).toBe(
      'Hand 2, CXR 1, unlabelled 1',
    );
    expect(selectionSummary([])).toBe('');
  });
});
