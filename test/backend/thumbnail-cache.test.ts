import { describe, expect, it } from 'vitest';
import { ThumbnailCache } from '../../src/backend/library-items.js';
import { base64, brightnessPng, serviceCalls, startTestService } from './harness.js';

describe('ThumbnailCache (owned by the back end context)', () => {
  it('keeps decrypted pictures per key and drops them all when the key changes', () => {
    const cache = new ThumbnailCache();
    cache.setEncrypted('ws|a|k1', 'enc-a');
    cache.setPlain('ws|a|k1', 'k1', 'plain-a');
    cache.setPlain('ws|b|k1', 'k1', null);
    expect(cache.getPlain('ws|a|k1', 'k1')).toBe('plain-a');
    expect(cache.getPlain('ws|b|k1', 'k1')).toBeNull();
    expect(cache.getPlain('ws|a|k1', 'k2')).toBeUndefined();
    cache.dropPlain();
    expect(cache.getPlain('ws|a|k1', 'k1')).toBeUndefined();
    expect(cache.getEncrypted('ws|a|k1')).toBe('enc-a');
    expect(cache.size).toEqual({ encrypted: 1, plain: 0 });
    cache.clear();
    expect(cache.size).toEqual({ encrypted: 0, plain: 0 });
  });

  it('is bounded: the least recently stored entry goes first', () => {
    const cache = new ThumbnailCache();
    for (let i = 0; i <= ThumbnailCache.LIMIT; i++) cache.setEncrypted(`item ${i}`, `picture ${i}`);
    expect(cache.size.encrypted).toBe(ThumbnailCache.LIMIT);
    expect(cache.getEncrypted('item 0')).toBeUndefined();
    expect(cache.getEncrypted(`item ${ThumbnailCache.LIMIT}`)).toBe(`picture ${ThumbnailCache.LIMIT}`);
  });
});

describe('thumbnails on the back end context', () => {
  it('drops the decrypted thumbnails when the active key changes, and all of them on close()', async () => {
    const service = await startTestService();
    const { call } = serviceCalls(() => service);
    try {
      const files = [
        { name: 'dark.png', dataBase64: base64(await brightnessPng(30, 1)), label: 'dark' },
        { name: 'bright.png', dataBase64: base64(await brightnessPng(220, 2)), label: 'bright' },
      ];
      await call('importUpload', { files });
      const listed = await call('libraryList', {});
      expect(listed.items.every((item) => item.thumbnails.plain !== null)).toBe(true);
      expect(service.context.thumbnails.size).toEqual({ encrypted: 2, plain: 2 });
      await call('keysGenerate', { label: 'another', activate: true });
      expect(service.context.thumbnails.size).toEqual({ encrypted: 2, plain: 0 });
      // Under the new key the images stay encrypted-only, and nothing decrypted is cached for them.
      expect((await call('libraryList', {})).items.every((item) => item.thumbnails.plain === null)).toBe(
        true,
      );
      expect(service.context.thumbnails.size.plain).toBe(0);
    } finally {
      await service.close();
    }
    expect(service.context.thumbnails.size).toEqual({ encrypted: 0, plain: 0 });
  });
});
