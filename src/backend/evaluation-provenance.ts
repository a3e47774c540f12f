import type { ItemRecord } from '../core/workspace/item-record.js';
import type { EvaluationProvenance } from '../shared/analysis.js';
import { originOf } from './item-origin.js';

const DATASET_TITLES: Record<string, string> = { mednist: 'MedNIST', mnist: 'MNIST' };
const datasetTitle = (name: string): string => DATASET_TITLES[name.toLowerCase()] ?? name;

/**
 * What an evaluation ran on, in words a reader can check: "MedNIST test split, 120 images" versus "your images,
 * origin unknown"; how many came from the model's own training split (scores on them are no test); and which
 * images of the active key were left out and why.
 */
export function evaluationProvenance(
  evaluated: readonly ItemRecord[],
  leftOut: readonly { record: ItemRecord; reason: 'unlabelled' | 'other-classes' | 'other-key' }[],
  model: { id: string; dataset: string },
): EvaluationProvenance {
  const modelDataset = model.dataset;
  const groups = new Map<string, { title: string; kind: 'dataset' | 'own'; count: number }>();
  let trainingSplit = 0;
  for (const record of evaluated) {
    const origin = originOf(record);
    const dataset = origin.dataset;
    const key = dataset ? origin.key : 'own';
    const title = dataset
      ? `${datasetTitle(dataset.name)} ${dataset.split} split`
      : 'your images, origin unknown';
    const group = groups.get(key) ?? { title, kind: dataset ? 'dataset' : 'own', count: 0 };
    group.count++;
    groups.set(key, group);
    if (dataset && dataset.split === 'train' && dataset.name.toLowerCase() === modelDataset.toLowerCase()) {
      trainingSplit++;
    }
  }
  const origins = [...groups.values()].sort((a, b) => b.count - a.count);
  const images = (n: number): string => `${n} image${n === 1 ? '' : 's'}`;
  const of = (reason: string) =>
    leftOut.filter((entry) => entry.reason === reason).map((entry) => entry.record);
  const otherClasses = [...new Set(of('other-classes').map((record) => record.label!))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  const excluded = [
    {
      reason: `labelled with classes ${model.id} does not have (${otherClasses.slice(0, 12).join(', ')}${otherClasses.length > 12 ? ', …' : ''}): another dataset's images`,
      count: of('other-classes').length,
    },
    { reason: 'unlabelled: nothing to compare the prediction with', count: of('unlabelled').length },
    {
      reason: 'encrypted with another key: the active model cannot read them',
      count: of('other-key').length,
    },
  ].filter((entry) => entry.count > 0);
  return {
    summary: origins.map((group) => `${group.title}, ${images(group.count)}`).join(' + '),
    origins,
    trainingSplit,
    unknownOrigin: groups.get('own')?.count ?? 0,
    excluded,
  };
}
