// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { ImportResult } from '../../src/shared/index.js';
import { createFileImport } from '../../src/renderer/views/library/fileImport.js';
import {
  BATCH_BYTES,
  BATCH_FILES,
  batches,
  defaultImportOptions,
  folderLabel,
  frameIndex,
  pathsOfAll,
  uploadInBatches,
  uploadLabel,
} from '../../src/renderer/views/library/fileImport-state.js';
import { fakeContext } from './harness.js';

const collected = (name: string, bytes: number, relativePath = name) => ({
  file: new File([new Uint8Array(bytes)], name),
  relativePath,
});

describe('file import state', () => {
  it('labels an image by its folder, or by the label typed for all', () => {
    expect(folderLabel('MedNIST/Hand/000001.jpeg')).toBe('Hand');
    expect(folderLabel('000001.jpeg')).toBeUndefined();
    const options = defaultImportOptions();
    expect(uploadLabel(options, 'Hand/1.png')).toBe('Hand');
    expect(uploadLabel({ ...options, labelFromFolder: false }, 'Hand/1.png')).toBeUndefined();
    expect(uploadLabel({ ...options, label: 'HeadCT' }, 'Hand/1.png')).toBe('HeadCT');
  });

  it('reads the DICOM frame field as a whole number, never negative', () => {
    expect([frameIndex('3'), frameIndex('2.7'), frameIndex('-1'), frameIndex('x'), frameIndex('')]).toEqual([
      3, 2, 0, 0, 0,
    ]);
  });

  it('splits uploads by file count and by bytes; a file larger than a batch goes alone', () => {
    const many = Array.from({ length: BATCH_FILES + 1 }, (_, i) => collected(`${i}.png`, 10));
    expect(batches(many).map((b) => b.length)).toEqual([BATCH_FILES, 1]);
    const big = [collected('a', BATCH_BYTES - 5), collected('b', 10), collected('c', BATCH_BYTES + 1)];
    expect(batches(big).map((b) => b.map((f) => f.file.name))).toEqual([['a'], ['b'], ['c']]);
    expect(batches([])).toEqual([]);
  });

  it('uses the back end paths only when every file has one', () => {
    expect(pathsOfAll([{ kind: 'path', path: '/a.png' }])).toEqual(['/a.png']);
    expect(
      pathsOfAll([
        { kind: 'path', path: '/a.png' },
        { kind: 'upload', name: 'b.png', dataBase64: '' },
      ]),
    ).toBeNull();
    expect(pathsOfAll([])).toBeNull();
  });

  it('uploads in batches, skips a file that cannot be read, and stops before the next batch on cancel', async () => {
    const files = [
      collected('bad.png', 1, 'Hand/bad.png'),
      ...Array.from({ length: BATCH_FILES + 1 }, (_, i) => collected(`${i}.png`, 1, `Hand/${i}.png`)),
    ];
    const uploads: { name: string; label?: string }[][] = [];
    const result = await uploadInBatches(files, defaultImportOptions(), {
      encode: async (file) => {
        if (file.name === 'bad.png') throw new Error('unreadable');
        return 'AA==';
      },
      upload: async (payload): Promise<ImportResult> => {
        uploads.push(payload.map(({ name, label }) => ({ name, label })));
        return { imported: payload.map((f) => ({ id: f.name }) as never), skipped: [], alreadyPresent: 0 };
      },
      progress: () => undefined,
      cancelled: () => uploads.length >= 1,
    });
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toHaveLength(BATCH_FILES - 1);
    expect(uploads[0]![0]).toEqual({ name: '0.png', label: 'Hand' });
    expect(result.skipped).toEqual([{ name: 'bad.png', code: 'BAD_INPUT', reason: 'unreadable' }]);
    expect(result.imported).toHaveLength(BATCH_FILES - 1);
  });
});

describe('file import panel (happy-dom)', () => {
  it('offers file and folder pickers and the conversion options', () => {
    const panel = createFileImport(fakeContext());
    expect(panel.querySelector('[data-testid="import-files-input"]')).not.toBeNull();
    expect(panel.querySelector('[data-testid="import-folder-input"]')).not.toBeNull();
    expect(panel.querySelector('[data-testid="import-drop-zone"]')).not.toBeNull();
    expect(panel.querySelector('summary')?.textContent).toBe('Conversion and labels');
  });
});
