"""Small learnable datasets written in the agreed tensor-export format, for tests and fixtures.

Each class is a bright square at its own place plus noise. The "encrypted" variant applies a fixed random pixel
permutation and XOR mask: a stand-in with the same structure as the real cipher (which lives in TypeScript), good
enough to exercise the trainer but not the real encryption."""

from __future__ import annotations

import json
import os

import numpy as np

from .registry import permutes, xors


def make_images(labels: np.ndarray, size: int, num_classes: int, rng: np.random.Generator) -> np.ndarray:
    images = rng.integers(0, 60, size=(len(labels), size, size), dtype=np.int64)
    side = max(2, size // 4)
    per_row = max(1, (size - side) // side + 1)
    for index, label in enumerate(labels):
        row, column = divmod(int(label) % (per_row * per_row), per_row)
        top, left = row * side, column * side
        brightness = 160 + int(label) // (per_row * per_row) * 40
        images[index, top : top + side, left : left + side] += brightness
    return np.clip(images, 0, 255).astype(np.uint8)


def write_export(directory: str, *, size: int = 12, num_classes: int = 3, counts=(240, 60, 60),
                 condition: str = "plain", seed: int = 7, dataset: str = "synthetic") -> dict:
    rng = np.random.default_rng(seed)
    os.makedirs(directory, exist_ok=True)
    permutation = rng.permutation(size * size)
    mask = rng.integers(0, 256, size=size * size, dtype=np.int64).astype(np.uint8)
    splits = {}
    class_counts: dict[str, int] = {}
    classes = [f"class{c}" for c in range(num_classes)]
    for name, count in zip(("train", "val", "test"), counts):
        labels = (np.arange(count) % num_classes).astype("<i8")
        rng.shuffle(labels)
        images = make_images(labels, size, num_classes, rng).reshape(count, -1)
        if permutes(condition):
            images = images[:, permutation]
        if xors(condition):
            images = images ^ mask
        np.save(os.path.join(directory, f"{name}-images.npy"), np.ascontiguousarray(images.reshape(count, size, size)))
        np.save(os.path.join(directory, f"{name}-labels.npy"), labels)
        splits[name] = count
        for label in labels:
            class_counts[classes[label]] = class_counts.get(classes[label], 0) + 1
    manifest = {
        "format": "cipherlens-tensors", "version": 1, "dataset": dataset, "classes": classes, "imageSize": size,
        "condition": condition, "keyFingerprint": None if condition == "plain" else "0123456789abcdef",
        "encryptionSpecVersion": 1, "arnoldParametersId": "synthetic" if permutes(condition) else None,
        "splitSeed": 42, "splits": splits, "classCounts": class_counts, "source": {"generator": "training.synthetic"},
        "createdAt": "2025-01-01T00:00:00Z",
    }
    with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
    return manifest
