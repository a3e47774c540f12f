import { describe, expect, it } from 'vitest';
import type { ItemRecord } from '../../src/core/workspace/item-record.js';
import { DICOM_SOURCE } from '../../src/core/workspace/importer.js';
import { originOf } from '../../src/backend/item-origin.js';
import { libraryFacets, libraryFilter } from '../../src/backend/library-filter.js';
import { parseRequest } from '../../src/shared/api.js';

const ACTIVE = '0123456789abcdef';
const OTHER = 'fedcba9876543210';

function record(id: string, fields: Partial<ItemRecord>): ItemRecord {
  return {
    format: 'cipherlens-item',
    version: 1,
    id,
    name: `${id}.png`,
    label: 'Hand',
    size: 64,
    condition: 'arnold+xor',
    keyFingerprint: ACTIVE,
    source: `mednist test split, Hand #${id.length}`,
    sourceKey: id,
    conversion: [],
    importedAt: '2026-12-01T00:00:00.000Z',
    prediction: null,
    ...fields,
  };
}

const records = [
  record('a', { prediction: { label: 'Hand', probability: 0.99, modelId: 'm' } }),
  record('b', { prediction: { label: 'CXR', probability: 0.6, modelId: 'm' } }),
  record('c', { label: null, prediction: { label: 'CXR', probability: 0.95, modelId: 'm' } }),
  record('d', { keyFingerprint: OTHER, source: '/data/scans/Hand/img1.png' }),
  record('e', { source: '/data/scans/CXR/img1.png, frame 2', name: 'img1.png', label: 'CXR' }),
  record('f', { source: 'uploaded Hand/x.png' }),
  record('g', { source: 'PACS http://pacs:8042' }),
  record('h', { source: DICOM_SOURCE }),
];

const pick = (payload: Record<string, unknown>): string[] =>
  records.filter(libraryFilter(parseRequest('libraryList', payload), ACTIVE)).map((r) => r.id);

describe('originOf', () => {
  it('reads the dataset, split and index of a sample, and the folder of a file', () => {
    expect(originOf(records[0]!)).toEqual({
      kind: 'dataset',
      key: 'dataset:mednist:test',
      title: 'mednist test split',
      dataset: { name: 'mednist', split: 'test', part: 'Hand', index: 1 },
    });
    expect(originOf(records[4]!)).toMatchObject({ kind: 'folder', key: 'folder:/data/scans/CXR' });
    expect(originOf(records[3]!).key).not.toBe(originOf(records[4]!).key);
    expect(originOf(records[5]!)).toMatchObject({ kind: 'upload', key: 'upload:Hand' });
    expect(originOf(records[6]!)).toMatchObject({ kind: 'pacs', title: 'PACS http://pacs:8042' });
    expect(originOf(records[7]!)).toMatchObject({ kind: 'dicom', key: 'dicom' });
  });
});

describe('libraryFilter', () => {
  it('filters by prediction, prediction ≠ label, confidence, key, origin and text (AND)', () => {
    expect(pick({ prediction: 'CXR' })).toEqual(['b', 'c']);
    // An unlabelled or unpredicted item is never a mismatch.
    expect(pick({ mismatch: true })).toEqual(['b']);
    expect(pick({ confidenceMin: 0.9 })).toEqual(['a', 'c']);
    expect(pick({ confidenceMax: 0.9 })).toEqual(['b']);
    expect(pick({ key: 'other' })).toEqual(['d']);
    expect(pick({ key: 'active' })).not.toContain('d');
    expect(pick({ origin: 'folder:/data/scans/CXR' })).toEqual(['e']);
    expect(pick({ origin: 'dataset:mednist:test', prediction: 'CXR', confidenceMin: 0.9 })).toEqual(['c']);
    expect(pick({ search: 'SCANS/hand' })).toEqual(['d']);
    expect(pick({})).toHaveLength(records.length);
  });

  it('refuses a confidence outside 0–1', () => {
    expect(() => parseRequest('libraryList', { confidenceMin: 1.5 })).toThrow(/confidenceMin/);
  });
});

describe('libraryFacets', () => {
  it('counts predictions, origins and keys over the whole workspace', () => {
    const facets = libraryFacets(records, ACTIVE);
    expect(facets.predictions).toEqual([
      { label: 'CXR', count: 2 },
      { label: 'Hand', count: 1 },
    ]);
    expect(facets.keys).toEqual({ active: 7, other: 1 });
    expect(facets.origins.find((o) => o.key === 'dataset:mednist:test')?.count).toBe(3);
    expect(facets.origins.reduce((sum, o) => sum + o.count, 0)).toBe(records.length);
  });
});
