import json
import os
import shutil

import onnx
import pytest

from training import onnx_export, train as train_module
from training.models import ARCHITECTURES
from training.train import main, parse_args, train

NODE_AVAILABLE = shutil.which("node") is not None and os.path.isdir(
    os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "onnxruntime-node")
)


def config_for(data: str, out: str, *extra: str):
    verify = [] if NODE_AVAILABLE else ["--no-verify"]
    return parse_args(["--data", data, "--out", out, "--epochs", "2", "--batch-size", "32", *verify, *extra])


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_every_architecture_trains_exports_and_writes_its_card(architecture, encrypted_export, tmp_path, progress):
    card = train(config_for(encrypted_export, str(tmp_path), "--arch", architecture), progress)

    model_id = f"synthetic-{architecture}-arnoldplusxor"
    assert card["id"] == model_id
    with open(tmp_path / f"{model_id}.json", encoding="utf-8") as handle:
        assert json.load(handle) == card
    assert card["format"] == "cipherlens-model" and card["version"] == 1
    assert card["architecture"] == architecture and card["condition"] == "arnold+xor"
    assert card["classes"] == ["class0", "class1", "class2"] and card["inputSize"] == 12
    assert card["embeddingDim"] == 512 and card["keyFingerprint"] == "0123456789abcdef"
    assert card["arnoldParametersId"] == "synthetic" and card["splitSeed"] == 42
    assert card["training"]["epochsRun"] == 2 and 1 <= card["training"]["bestEpoch"] <= 2
    for split in ("validation", "test"):
        assert set(card["metrics"][split]) == {"accuracy", "weightedF1", "macroF1"}
        assert 0.0 <= card["metrics"][split]["accuracy"] <= 1.0

    onnx_path = tmp_path / f"{model_id}.onnx"
    assert card["onnx"]["file"] == onnx_path.name and card["onnx"]["opset"] == 17
    assert card["onnx"]["sha256"] == onnx_export.sha256_file(str(onnx_path))
    graph = onnx.load(str(onnx_path))
    onnx.checker.check_model(graph)
    assert graph.opset_import[0].version == 17
    io = onnx_export.describe_graph(str(onnx_path))
    assert io["inputs"] == [{"name": "image", "elemType": "UINT8", "shape": ["batch", 1, 12, 12]}]
    assert io["outputs"] == [
        {"name": "logits", "elemType": "FLOAT", "shape": ["batch", 3]},
        {"name": "embedding", "elemType": "FLOAT", "shape": ["batch", 512]},
    ]
    if NODE_AVAILABLE:
        assert 0.0 <= card["onnx"]["maxAbsDiffVsTorch"] < 1e-3

    events = [r["event"] for r in progress.records]
    assert events[0] == "start" and events[-1] == "done"
    assert events.count("epoch") == 2 and "test" in events and "export" in events
    assert not os.path.exists(tmp_path / ".checkpoints" / f"{model_id}.pt")


def test_the_synthetic_task_is_learnt_through_the_cipher(encrypted_export, tmp_path, progress):
    config = parse_args(["--data", encrypted_export, "--out", str(tmp_path), "--arch", "bitplane-mlp",
                         "--epochs", "6", "--batch-size", "32", "--no-verify"])
    card = train(config, progress)
    assert card["metrics"]["test"]["accuracy"] >= 0.9


def test_resume_continues_from_the_checkpoint_then_skips_a_finished_run(plain_export, tmp_path, monkeypatch):
    from training.tests.conftest import RecordingProgress

    def fail_export(*_args, **_kwargs):
        raise RuntimeError("simulated crash during export")

    monkeypatch.setattr(onnx_export, "export_onnx", fail_export)
    with pytest.raises(RuntimeError):
        train(config_for(plain_export, str(tmp_path), "--arch", "mlp", "--resume"), RecordingProgress())
    assert os.path.exists(tmp_path / ".checkpoints" / "synthetic-mlp-plain.pt")
    monkeypatch.undo()

    resumed = RecordingProgress()
    train(config_for(plain_export, str(tmp_path), "--arch", "mlp", "--resume"), resumed)
    assert resumed.of("start")[0]["resumedFromEpoch"] == 2
    assert resumed.of("epoch") == []  # the budget was already spent; only test + export remained
    assert resumed.of("done")[0]["skipped"] is False and resumed.of("done")[0]["epochsRun"] == 2

    again = RecordingProgress()
    train(config_for(plain_export, str(tmp_path), "--arch", "mlp", "--resume"), again)
    assert [r["event"] for r in again.records] == ["done"] and again.of("done")[0]["skipped"] is True

    changed = RecordingProgress()
    train(config_for(plain_export, str(tmp_path), "--arch", "mlp", "--resume", "--seed", "5"), changed)
    assert changed.of("done")[0]["skipped"] is False  # a different budget is a different run


def test_patience_stops_early_and_keeps_the_best_epoch(plain_export, tmp_path, progress):
    config = parse_args(["--data", plain_export, "--out", str(tmp_path), "--arch", "mlp", "--epochs", "30",
                         "--patience", "1", "--batch-size", "32", "--no-verify"])
    card = train(config, progress)
    assert card["training"]["earlyStopped"] and card["training"]["epochsRun"] < 30
    assert progress.of("early-stop")[0]["bestEpoch"] == card["training"]["bestEpoch"]
    best = max(card["training"]["history"], key=lambda h: h["valAccuracy"])
    assert best["valAccuracy"] == card["metrics"]["validation"]["accuracy"]


def run_main(argv, capsys):
    status = main(argv)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return status, lines


def test_main_reports_a_missing_export_as_one_error_record(tmp_path, capsys):
    status, lines = run_main(["--data", str(tmp_path / "nope"), "--arch", "dcnn"], capsys)
    assert status == 2 and lines == [lines[0]] and lines[0]["event"] == "error"
    assert lines[0]["code"] == "NOT_FOUND" and "manifest.json" in lines[0]["message"]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--arch", "dcnn"], "--data"),
        (["--data", "x", "--arch", "vit"], "invalid choice"),
        (["--data", "x", "--arch", "mlp", "--epochs", "0"], "--epochs"),
        (["--data", "x", "--arch", "mlp", "--id", "../evil"], "--id"),
        (["--data", "x", "--arch", "mlp", "--label-smoothing", "1"], "--label-smoothing"),
    ],
)
def test_main_rejects_bad_arguments(argv, fragment, capsys):
    status, lines = run_main(argv, capsys)
    assert status == 2 and lines[0]["code"] == "BAD_INPUT" and fragment in lines[0]["message"]


def test_model_ids_spell_plus_as_plus():
    assert train_module.default_model_id("mednist", "dcnn", "arnold+xor") == "mednist-dcnn-arnoldplusxor"
