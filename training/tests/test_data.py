import json
import os
import shutil

import numpy as np
import pytest

from training.data import load_export, pixel_statistics, subsample
from training.errors import TrainingError
from training.synthetic import write_export


def copy_export(source: str, tmp_path) -> str:
    target = str(tmp_path / "export")
    shutil.copytree(source, target)
    return target


def edit_manifest(directory: str, **changes) -> None:
    path = os.path.join(directory, "manifest.json")
    with open(path, encoding="utf-8") as handle:
        manifest = json.load(handle)
    manifest.update(changes)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle)


def test_loads_every_split_memory_mapped(encrypted_export):
    export = load_export(encrypted_export)
    assert export.size == 12 and export.condition == "arnold+xor" and len(export.classes) == 3
    train = export.splits["train"]
    assert isinstance(train.images, np.memmap) and train.images.dtype == np.uint8
    assert train.images.shape == (240, 12, 12) and train.labels.dtype == np.int64
    assert [len(export.splits[s].labels) for s in ("train", "val", "test")] == [240, 60, 60]


def test_missing_manifest_is_reported_as_unfinished_export(tmp_path):
    with pytest.raises(TrainingError) as caught:
        load_export(str(tmp_path))
    assert caught.value.code == "NOT_FOUND" and "manifest.json" in caught.value.message


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"format": "something-else"}, "format"),
        ({"version": 2}, "version"),
        ({"condition": "rot13"}, "condition"),
        ({"keyFingerprint": None}, "keyFingerprint"),
        ({"classes": ["a", "a", "b"]}, "duplicate"),
        ({"encryptionSpecVersion": 9}, "encryptionSpecVersion"),
    ],
)
def test_invalid_manifest_fields_are_named(encrypted_export, tmp_path, changes, fragment):
    directory = copy_export(encrypted_export, tmp_path)
    edit_manifest(directory, **changes)
    with pytest.raises(TrainingError) as caught:
        load_export(directory)
    assert caught.value.code == "BAD_FORMAT" and fragment in caught.value.message


def test_split_count_disagreeing_with_manifest(encrypted_export, tmp_path):
    directory = copy_export(encrypted_export, tmp_path)
    edit_manifest(directory, splits={"train": 241, "val": 60, "test": 60})
    with pytest.raises(TrainingError, match=r"train-images.npy has shape \(240, 12, 12\)"):
        load_export(directory)


def test_wrong_dtype_and_out_of_range_labels(encrypted_export, tmp_path):
    directory = copy_export(encrypted_export, tmp_path)
    np.save(os.path.join(directory, "val-images.npy"), np.zeros((60, 12, 12), dtype=np.float32))
    with pytest.raises(TrainingError, match="dtype"):
        load_export(directory)
    directory = copy_export(encrypted_export, tmp_path / "second")
    np.save(os.path.join(directory, "test-labels.npy"), np.full(60, 7, dtype="<i8"))
    with pytest.raises(TrainingError, match="outside 0..2"):
        load_export(directory)


def test_truncated_npy_is_a_clear_error(encrypted_export, tmp_path):
    directory = copy_export(encrypted_export, tmp_path)
    path = os.path.join(directory, "train-images.npy")
    with open(path, "r+b") as handle:
        handle.truncate(1000)
    with pytest.raises(TrainingError) as caught:
        load_export(directory)
    assert caught.value.code == "BAD_FORMAT" and "train-images.npy" in caught.value.message


def test_subsample_is_stratified_exact_and_deterministic(tmp_path):
    write_export(str(tmp_path), counts=(300, 30, 30), num_classes=3)
    split = load_export(str(tmp_path)).splits["train"]
    first = subsample(split, 100, seed=1)
    again = subsample(split, 100, seed=1)
    assert len(first.labels) == 100 and np.array_equal(first.labels, again.labels)
    assert np.bincount(first.labels).tolist() == [34, 33, 33]
    assert np.array_equal(first.images, again.images)
    assert subsample(split, None, seed=1) is split


def test_pixel_statistics_match_numpy():
    images = np.random.default_rng(0).integers(0, 256, size=(50, 8, 8), dtype=np.uint8)
    mean, std = pixel_statistics(images, chunk=7)
    assert mean == pytest.approx(images.mean()) and std == pytest.approx(images.std())
