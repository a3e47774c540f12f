"""Python takes conditions, architectures and the embedding size from training/registry.json (written from the
TypeScript registries by `npm run registry`; test/scripts/registry.test.ts checks that the file is current)."""

import importlib.util
import json
import os

import numpy as np

from training import data, models, registry, synthetic, train

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "training", "registry.json"), encoding="utf-8") as handle:
    RAW = json.load(handle)


def load_peer():
    spec = importlib.util.spec_from_file_location("numpy_cipher", os.path.join(ROOT, "bench", "peers", "numpy_cipher.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_python_list_is_the_registry():
    names = [entry["name"] for entry in RAW["conditions"]]
    assert list(data.CONDITIONS) == names and "uniform+xor" in names
    assert list(models.ARCHITECTURES) == [entry["name"] for entry in RAW["architectures"]]
    assert models.EMBEDDING_DIM == train.EMBEDDING_DIM == RAW["embeddingDim"]
    assert list(models.FULLY_CONNECTED) == [a["name"] for a in RAW["architectures"] if a["fullyConnected"]]
    peer = load_peer()
    assert list(peer.CONDITIONS) == names
    assert peer.CONDITION_CODES == {entry["name"]: entry["code"] for entry in RAW["conditions"]}


def test_synthetic_exports_follow_the_condition_properties(tmp_path):
    # A condition's registry properties decide what the synthetic stand-in applies, so a new condition works there.
    plain = synthetic.write_export(str(tmp_path / "plain"), condition="plain")
    for condition in registry.CONDITIONS:
        manifest = synthetic.write_export(str(tmp_path / condition), condition=condition)
        assert (manifest["arnoldParametersId"] is not None) == registry.permutes(condition)
        images = np.load(str(tmp_path / condition / "train-images.npy"))
        reference = np.load(str(tmp_path / "plain" / "train-images.npy"))
        changed = not np.array_equal(images, reference)
        assert changed == (registry.permutes(condition) or registry.xors(condition)), condition
    assert plain["condition"] == "plain"


def test_the_data_reader_accepts_every_registry_condition(tmp_path):
    for condition in ("uniform", "uniform+xor"):
        synthetic.write_export(str(tmp_path / condition), condition=condition)
        assert data.load_export(str(tmp_path / condition)).condition == condition
