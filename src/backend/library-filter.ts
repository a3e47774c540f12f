import type { ItemRecord } from '../core/workspace/item-record.js';
import type { ParsedRequest } from '../shared/operations.js';
import { originOf } from './item-origin.js';

type ListRequest = ParsedRequest<'libraryList'>;

/** The predicate of libraryList's filters (AND of every filter given). */
export function libraryFilter(
  request: ListRequest,
  activeKey: string | null,
): (record: ItemRecord) => boolean {
  const search = request.search?.toLowerCase();
  return (record) => {
    const prediction = record.prediction;
    if (request.label !== undefined && record.label !== request.label) return false;
    if (request.unlabelled && record.label !== null) return false;
    if (request.prediction !== undefined && prediction?.label !== request.prediction) return false;
    if (request.mismatch && (record.label === null || !prediction || prediction.label === record.label)) {
      return false;
    }
    if (
      request.confidenceMin !== undefined &&
      !(prediction && prediction.probability >= request.confidenceMin)
    ) {
      return false;
    }
    if (
      request.confidenceMax !== undefined &&
      !(prediction && prediction.probability <= request.confidenceMax)
    ) {
      return false;
    }
    if (request.key === 'active' && record.keyFingerprint !== activeKey) return false;
    if (request.key === 'other' && record.keyFingerprint === activeKey) return false;
    if (request.origin !== undefined && originOf(record).key !== request.origin) return false;
    if (
      search !== undefined &&
      !record.name.toLowerCase().includes(search) &&
      !record.source.toLowerCase().includes(search) &&
      !(record.label ?? '').toLowerCase().includes(search)
    ) {
      return false;
    }
    return true;
  };
}

/** Whole-workspace counts the filter controls show beside each choice. */
export function libraryFacets(records: readonly ItemRecord[], activeKey: string | null) {
  const predictions = new Map<string, number>();
  const origins = new Map<string, { key: string; title: string; count: number }>();
  let active = 0;
  for (const record of records) {
    if (record.prediction)
      predictions.set(record.prediction.label, (predictions.get(record.prediction.label) ?? 0) + 1);
    const origin = originOf(record);
    const entry = origins.get(origin.key) ?? { key: origin.key, title: origin.title, count: 0 };
    entry.count++;
    origins.set(origin.key, entry);
    if (record.keyFingerprint === activeKey) active++;
  }
  return {
    predictions: [...predictions.entries()]
      .map(([label, count]) => ({ label, count }))
      .sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true })),
    origins: [...origins.values()].sort((a, b) => a.title.localeCompare(b.title)),
    keys: { active, other: records.length - active },
  };
}
