import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, resolveCacheDir } from '../../../src/core/datasets/data-dir.js';

describe('resolveCacheDir', () => {
  const home = join(sep, 'home', 'someone');

  it('takes --cache-dir, then $CIPHERLENS_CACHE, then $XDG_CACHE_HOME/cipherlens, then ~/.cache/cipherlens', () => {
    const env = { CIPHERLENS_CACHE: '/var/tmp/cl-cache', XDG_CACHE_HOME: '/xdg/cache' };
    expect(resolveCacheDir('given', env, home)).toBe(resolve('given'));
    expect(resolveCacheDir(undefined, env, home)).toBe(resolve('/var/tmp/cl-cache'));
    expect(resolveCacheDir(undefined, { XDG_CACHE_HOME: '/xdg/cache' }, home)).toBe(
      join('/xdg/cache', 'cipherlens'),
    );
    expect(resolveCacheDir(undefined, {}, home)).toBe(join(home, '.cache', 'cipherlens'));
  });

  it('ignores a relative $XDG_CACHE_HOME, as the XDG spec says', () => {
    expect(resolveCacheDir(undefined, { XDG_CACHE_HOME: 'relative/cache' }, home)).toBe(
      join(home, '.cache', 'cipherlens'),
    );
  });

  it('never defaults into the install or the checkout', () => {
    for (const env of [{}, { XDG_CACHE_HOME: '/xdg/cache' }]) {
      expect(resolveCacheDir(undefined, env, home).startsWith(PACKAGE_ROOT)).toBe(false);
    }
    expect(resolveCacheDir(undefined, {}).startsWith(join(PACKAGE_ROOT, 'data'))).toBe(false);
  });
});
