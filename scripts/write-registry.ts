/**
 * Writes training/registry.json, the Python side's copy of the TypeScript registries (encryption conditions and
 * their permutation kernels, architectures and the embedding size). Python (training/, bench/peers/) reads it and
 * never lists these itself; test/scripts/registry.test.ts fails when the committed file is not current.
 *   npm run registry
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CONDITION_REGISTRY, CONDITIONS, DEFAULT_CONDITION } from '../src/core/crypto/condition.js';
import { PERMUTATIONS } from '../src/core/crypto/permutations.js';
import {
  ARCHITECTURE_REGISTRY,
  ARCHITECTURES,
  DEFAULT_ARCHITECTURE,
  EMBEDDING_DIM,
} from '../src/core/training/architectures.js';

export const REGISTRY_PATH = fileURLToPath(new URL('../training/registry.json', import.meta.url));

export function registryJson(): string {
  const registry = {
    generatedBy:
      'npm run registry (scripts/write-registry.ts) from src/core/crypto/condition.ts, permutations.ts and ' +
      'src/core/training/architectures.ts; do not edit by hand',
    defaultCondition: DEFAULT_CONDITION,
    conditions: CONDITIONS.map((name) => ({ name, ...CONDITION_REGISTRY[name] })),
    permutations: Object.fromEntries(
      Object.entries(PERMUTATIONS).map(([name, kind]) => [
        name,
        { label: kind.label, parametersIdRule: kind.parametersIdRule },
      ]),
    ),
    defaultArchitecture: DEFAULT_ARCHITECTURE,
    embeddingDim: EMBEDDING_DIM,
    architectures: ARCHITECTURES.map((name) => ({ name, ...ARCHITECTURE_REGISTRY[name] })),
  };
  return `${JSON.stringify(registry, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(REGISTRY_PATH, registryJson());
  process.stdout.write(`wrote ${REGISTRY_PATH}\n`);
}
