"""Reads one tensor export (the agreed `cipherlens-tensors` v1 format written by the TypeScript engine):
manifest.json plus <split>-images.npy (|u1, (n, N, N)) and <split>-labels.npy (<i8, (n,)) for train, val, test."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from .errors import TrainingError
from .registry import CONDITIONS

SPLITS = ("train", "val", "test")


@dataclass
class Split:
    images: np.ndarray  # uint8 (n, N, N), possibly memory-mapped
    labels: np.ndarray  # int64 (n,)


@dataclass
class Export:
    directory: str
    manifest: dict
    splits: dict[str, Split]

    @property
    def classes(self) -> list[str]:
        return list(self.manifest["classes"])

    @property
    def size(self) -> int:
        return int(self.manifest["imageSize"])

    @property
    def condition(self) -> str:
        return str(self.manifest["condition"])


def read_manifest(directory: str) -> dict:
    path = os.path.join(directory, "manifest.json")
    if not os.path.isfile(path):
        raise TrainingError(
            "NOT_FOUND",
            f"{path} does not exist: not a tensor export, or the export is still running (manifest.json is written last)",
        )
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise TrainingError("BAD_FORMAT", f"{path} is not valid JSON: {error}") from error
    validate_manifest(manifest, path)
    return manifest


def validate_manifest(manifest: object, path: str) -> None:
    def fail(reason: str) -> None:
        raise TrainingError("BAD_FORMAT", f"{path}: {reason}")

    if not isinstance(manifest, dict):
        fail("expected a JSON object")
    if manifest.get("format") != "cipherlens-tensors":
        fail(f'format is {manifest.get("format")!r}, expected "cipherlens-tensors"')
    if manifest.get("version") != 1:
        fail(f"version {manifest.get('version')!r} is not supported (this trainer reads version 1)")
    classes = manifest.get("classes")
    if not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(c, str) for c in classes):
        fail("classes must be a list of at least two class names")
    if len(set(classes)) != len(classes):
        fail("classes contains duplicate names")
    size = manifest.get("imageSize")
    if not isinstance(size, int) or isinstance(size, bool) or size < 2:
        fail(f"imageSize must be an integer >= 2, got {size!r}")
    condition = manifest.get("condition")
    if condition not in CONDITIONS:
        fail(f"condition {condition!r} is not one of {', '.join(CONDITIONS)}")
    fingerprint = manifest.get("keyFingerprint")
    if condition == "plain":
        if fingerprint is not None:
            fail("a plain export must have keyFingerprint null")
    elif not isinstance(fingerprint, str) or not fingerprint:
        fail(f"an encrypted ({condition}) export needs a keyFingerprint")
    if manifest.get("encryptionSpecVersion") != 1:
        fail(f"encryptionSpecVersion {manifest.get('encryptionSpecVersion')!r} is not supported (expected 1)")
    splits = manifest.get("splits")
    if not isinstance(splits, dict) or any(not isinstance(splits.get(s), int) or splits[s] < 0 for s in SPLITS):
        fail("splits must give a non-negative count for train, val and test")
    if not isinstance(manifest.get("dataset"), str) or not manifest["dataset"]:
        fail("dataset must be a non-empty string")


def load_array(path: str, dtype: str, shape_tail: tuple[int, ...], count: int) -> np.ndarray:
    if not os.path.isfile(path):
        raise TrainingError("NOT_FOUND", f"{path} is missing from the export")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise TrainingError("BAD_FORMAT", f"{path} is not a readable .npy file: {error}") from error
    if array.dtype != np.dtype(dtype):
        raise TrainingError("BAD_FORMAT", f"{path} has dtype {array.dtype.str}, expected {dtype}")
    expected = (count, *shape_tail)
    if tuple(array.shape) != expected:
        raise TrainingError("BAD_FORMAT", f"{path} has shape {tuple(array.shape)}, the manifest implies {expected}")
    return array


def load_export(directory: str) -> Export:
    manifest = read_manifest(directory)
    size = int(manifest["imageSize"])
    num_classes = len(manifest["classes"])
    splits: dict[str, Split] = {}
    for name in SPLITS:
        count = int(manifest["splits"][name])
        images = load_array(os.path.join(directory, f"{name}-images.npy"), "|u1", (size, size), count)
        labels = load_array(os.path.join(directory, f"{name}-labels.npy"), "<i8", (), count)
        labels = np.asarray(labels)
        if count and (labels.min() < 0 or labels.max() >= num_classes):
            raise TrainingError(
                "BAD_FORMAT",
                f"{name}-labels.npy holds labels outside 0..{num_classes - 1} (the manifest lists {num_classes} classes)",
            )
        splits[name] = Split(images, labels)
    if manifest["splits"]["train"] == 0 or manifest["splits"]["val"] == 0:
        raise TrainingError("DATASET", f"{directory}: the train and val splits must not be empty")
    return Export(directory, manifest, splits)


def subsample(split: Split, limit: int | None, seed: int) -> Split:
    """At most `limit` examples, stratified by class (each class keeps its share), deterministic for a seed."""
    n = len(split.labels)
    if limit is None or limit >= n:
        return split
    if limit <= 0:
        raise TrainingError("BAD_INPUT", f"a subsample limit must be positive, got {limit}")
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    classes, counts = np.unique(split.labels, return_counts=True)
    quotas = np.floor(counts * (limit / n)).astype(int)
    # Hand out the rounding remainder to the largest fractional parts so the total is exactly `limit`.
    remainder = limit - int(quotas.sum())
    fractions = counts * (limit / n) - quotas
    for index in np.argsort(-fractions, kind="stable")[:remainder]:
        quotas[index] += 1
    for label, quota in zip(classes, quotas):
        members = np.flatnonzero(split.labels == label)
        chosen.append(rng.choice(members, size=quota, replace=False))
    indices = np.sort(np.concatenate(chosen))
    return Split(np.asarray(split.images[indices]), split.labels[indices])


def pixel_statistics(images: np.ndarray, chunk: int = 8192) -> tuple[float, float]:
    """Mean and standard deviation of all pixels, computed in chunks so a memory-mapped split is not copied."""
    total = 0.0
    total_sq = 0.0
    count = 0
    for start in range(0, len(images), chunk):
        block = np.asarray(images[start : start + chunk], dtype=np.float64)
        total += float(block.sum())
        total_sq += float(np.square(block).sum())
        count += block.size
    mean = total / max(count, 1)
    variance = max(total_sq / max(count, 1) - mean * mean, 0.0)
    return mean, float(np.sqrt(variance))
