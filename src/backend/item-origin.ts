import { dirname } from 'node:path';
import { DICOM_SOURCE } from '../core/workspace/importer.js';
import type { ItemRecord } from '../core/workspace/item-record.js';
import type { ItemOrigin } from '../shared/library.js';

/**
 * Where an item came from, structured, read from its record's source text. The texts are written by the
 * importers: dataset samples "<dataset> <split> split, <part> #<index>" (dataset-sample.ts), files by path
 * "<path>[, frame N]" (import-inputs.ts), uploads "uploaded <name>", PACS "PACS <origin>" (pacs/import-series.ts)
 * and DICOM files a neutral text (their folder is in the encrypted sidecar).
 */
export function originOf(record: Pick<ItemRecord, 'source'>): ItemOrigin {
  const source = record.source;
  const dataset = /^(\S+) (train|test) split, (.+) #(\d+)$/.exec(source);
  if (dataset) {
    const [, name, split, part, index] = dataset as unknown as [string, string, string, string, string];
    return {
      kind: 'dataset',
      key: `dataset:${name}:${split}`,
      title: `${name} ${split} split`,
      dataset: { name, split, part, index: Number(index) },
    };
  }
  if (source.startsWith('PACS ')) {
    return { kind: 'pacs', key: `pacs:${source.slice(5)}`, title: source, dataset: null };
  }
  if (source === DICOM_SOURCE) {
    return { kind: 'dicom', key: 'dicom', title: 'DICOM files (folder encrypted)', dataset: null };
  }
  if (source.startsWith('uploaded ')) {
    const name = source.slice('uploaded '.length);
    const folder = name.includes('/') ? dirname(name) : null;
    return folder
      ? { kind: 'upload', key: `upload:${folder}`, title: `uploaded folder ${folder}`, dataset: null }
      : { kind: 'upload', key: 'upload', title: 'uploaded files', dataset: null };
  }
  const path = source.replace(/, frame \d+$/, '');
  const folder = dirname(path);
  return { kind: 'folder', key: `folder:${folder}`, title: folder, dataset: null };
}
