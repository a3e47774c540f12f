import { describe, expect, it } from 'vitest';
import {
  CONDITION_REGISTRY,
  CONDITIONS,
  DEFAULT_CONDITION,
  usesPermutation,
} from '../../src/core/crypto/condition.js';
import { ARCHITECTURES } from '../../src/core/training/architectures.js';
import {
  CONDITION_LABELS,
  CONDITION_NAMES,
  DEFAULT_CONDITION_NAME,
  PERMUTING_CONDITION_NAMES,
} from '../../src/shared/common.js';
import { TrainArchitectureSchema } from '../../src/shared/user-models.js';

// src/backend/registry-check.ts proves the same at compile time for everything but order.
describe('the shared contract copies the core registries', () => {
  it('lists the conditions in registry order, with the registry labels and default', () => {
    expect([...CONDITION_NAMES]).toEqual(CONDITIONS);
    expect(CONDITION_LABELS).toEqual(
      Object.fromEntries(CONDITIONS.map((c) => [c, CONDITION_REGISTRY[c].label])),
    );
    expect(DEFAULT_CONDITION_NAME).toBe(DEFAULT_CONDITION);
    expect([...PERMUTING_CONDITION_NAMES]).toEqual(CONDITIONS.filter((c) => usesPermutation(c)));
  });

  it('trains only architectures the registry knows', () => {
    for (const name of TrainArchitectureSchema.options) expect(ARCHITECTURES).toContain(name);
  });
});
