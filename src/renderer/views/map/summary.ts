import type { MapGetResponse, MapMethod, MapPoint } from '../../../shared/index.js';
import { formatPercent } from '../../components/dom.js';

export const METHOD_TITLES: Record<MapMethod, string> = { pca: 'PCA', umap: 'UMAP' };

const plural = (count: number, one: string, many: string): string => (count === 1 ? one : many);

/** The line under the map: what is on it, what the axes hold, and what is not on it and why. */
export function mapDescription(response: MapGetResponse): string {
  const parts: string[] = [];
  const shown = response.points?.length ?? 0;
  if (response.modelId) {
    parts.push(
      `${shown} image${plural(shown, '', 's')} of key ${response.keyFingerprint ?? '?'} embedded by ${response.modelId}, laid out by ${METHOD_TITLES[response.method]}.`,
    );
  }
  if (response.explainedVariance) {
    const [x = 0, y = 0] = response.explainedVariance;
    parts.push(`The axes hold ${formatPercent(x)} and ${formatPercent(y)} of the embeddings' variance.`);
  }
  if (response.notIndexed > 0) {
    parts.push(
      `${response.notIndexed} image${plural(response.notIndexed, ' is', 's are')} not embedded yet (not on the map).`,
    );
  }
  if (response.otherKey > 0) {
    parts.push(
      `${response.otherKey} image${plural(response.otherKey, '', 's')} under other keys cannot be read by this model and are never on this map.`,
    );
  }
  return parts.join(' ');
}

/** "Hand 12, CXR 3": the selection's labels, most frequent first. */
export function selectionSummary(chosen: readonly Pick<MapPoint, 'label'>[]): string {
  const counts = new Map<string, number>();
  for (const point of chosen) {
    const label = point.label ?? 'unlabelled';
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}
