import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REGISTRY_PATH, registryJson } from '../../scripts/write-registry.js';

describe('training/registry.json', () => {
  it('is what `npm run registry` writes from the TypeScript registries now', () => {
    expect(readFileSync(REGISTRY_PATH, 'utf8'), 'run `npm run registry` and commit the file').toBe(
      registryJson(),
    );
  });
});
