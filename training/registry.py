"""The TypeScript registries (encryption conditions, permutation kernels, architectures, embedding size) as
written to training/registry.json by `npm run registry` (scripts/write-registry.ts). Python never lists these
itself: a new condition or architecture reaches the trainer, the synthetic fixtures and the NumPy peer from here."""

from __future__ import annotations

import json
import os

REGISTRY_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "registry.json")

with open(REGISTRY_PATH, encoding="utf-8") as _handle:
    REGISTRY = json.load(_handle)

CONDITIONS: tuple[str, ...] = tuple(entry["name"] for entry in REGISTRY["conditions"])
CONDITION_INFO: dict[str, dict] = {entry["name"]: entry for entry in REGISTRY["conditions"]}
DEFAULT_CONDITION: str = REGISTRY["defaultCondition"]
ARCHITECTURES: tuple[str, ...] = tuple(entry["name"] for entry in REGISTRY["architectures"])
ARCHITECTURE_INFO: dict[str, dict] = {entry["name"]: entry for entry in REGISTRY["architectures"]}
EMBEDDING_DIM: int = REGISTRY["embeddingDim"]
FULLY_CONNECTED: tuple[str, ...] = tuple(name for name in ARCHITECTURES if ARCHITECTURE_INFO[name]["fullyConnected"])
TRANSFORMABLE: tuple[str, ...] = tuple(name for name in ARCHITECTURES if ARCHITECTURE_INFO[name]["transformable"])


def permutes(condition: str) -> bool:
    """Whether the condition permutes the pixels (with any kernel)."""
    return CONDITION_INFO[condition]["permutation"] is not None


def xors(condition: str) -> bool:
    """Whether the condition XORs the AES-CTR keystream in."""
    return bool(CONDITION_INFO[condition]["xor"])
