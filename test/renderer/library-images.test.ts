import { describe, expect, it } from 'vitest';
import { damageNote, libraryGridItem } from '../../src/renderer/components/libraryImages.js';
import type { LibraryItem } from '../../src/shared/index.js';

const item = (overrides: Partial<LibraryItem> = {}): LibraryItem => ({
  id: 'abc',
  name: 'scan.png',
  label: 'Hand',
  size: 64,
  source: 'scan.png',
  conversion: [],
  importedAt: '2026-12-01T00:00:00.000Z',
  keyFingerprint: '0123456789abcdef',
  canDecrypt: true,
  prediction: { label: 'Hand', probability: 0.9, modelId: 'm' },
  thumbnails: { encrypted: 'data:image/png;base64,AA==', plain: 'data:image/png;base64,AB==' },
  damage: null,
  ...overrides,
});

describe('library grid tiles', () => {
  it('a damaged item says so, with the reason and how to remove it, and is marked as damaged', () => {
    const tile = libraryGridItem(
      item({ damage: 'the encrypted file of image abc is truncated', canDecrypt: false }),
      true,
    );
    expect(tile.tone).toBe('damaged');
    expect(tile.details).toEqual([
      'scan.png',
      'damaged: the encrypted file of image abc is truncated — open it to remove it',
    ]);
  });

  it('an intact item keeps its prediction tone and details', () => {
    const tile = libraryGridItem(item(), true);
    expect(tile.tone).toBe('match');
    expect(tile.details).toEqual(['scan.png', '→ Hand 90%']);
    expect(damageNote(item())).toBeNull();
  });
});
