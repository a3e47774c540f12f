"""Train one architecture on one tensor export, keep the best-validation weights, measure the held-out test split,
export ONNX and write the model card.

    /usr/bin/python3 -m training.train --data data/exports/mnist-arnold+xor --arch dcnn --epochs 8 --out resources/models

Progress goes to stdout as JSON lines (see progress.py); exit status 0 on success, 2 on a reported error.
With --resume a run continues from its last finished epoch, and a run whose card already exists with the same
configuration is skipped, so a study runner can simply re-issue its commands after an interruption.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import torch
from torch import nn

from . import onnx_export
from .augment import PRESETS as AUGMENT_PRESETS, Augmenter
from .data import Export, Split, load_export, pixel_statistics, subsample
from .errors import TrainingError
from .metrics import classification_metrics
from .models import build_model, count_parameters
from .registry import ARCHITECTURES, EMBEDDING_DIM, FULLY_CONNECTED, TRANSFORMABLE
from .progress import Progress, take_stdout

CARD_FORMAT = "cipherlens-model"
STEP_EVENT_SECONDS = 2.0
EVAL_BATCH = 512
# Relative tolerance for onnxruntime vs PyTorch outputs; float32 reorderings stay far below it.
ONNX_TOLERANCE = 1e-3


@dataclass
class Config:
    data: str
    architecture: str
    out: str
    model_id: str | None
    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    patience: int
    seed: int
    max_train: int | None
    max_val: int | None
    max_test: int | None
    dropout: float
    input_dropout: float
    hidden: int | None
    label_smoothing: float
    augment: str
    threads: int
    device: str
    resume: bool
    verify: bool
    node: str


class ArgumentParser(argparse.ArgumentParser):
    """Reports bad arguments as a BAD_INPUT error record instead of exiting with argparse's own text."""

    def error(self, message: str):  # type: ignore[override]
        raise TrainingError("BAD_INPUT", f"{self.prog}: {message}")


def parse_args(argv: list[str]) -> Config:
    parser = ArgumentParser(prog="python -m training.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="tensor export directory (holds manifest.json)")
    parser.add_argument("--arch", required=True, choices=ARCHITECTURES)
    parser.add_argument("--out", default="resources/models", help="where <id>.onnx and <id>.json go")
    parser.add_argument("--id", dest="model_id", help="model id (default <dataset>-<arch>-<condition, + as plus>)")
    parser.add_argument("--epochs", type=int, default=10, help="epoch budget (early stopping may end sooner)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--patience", type=int, default=0, help="stop after this many epochs without a better "
                        "validation accuracy (0: run the whole budget; the best epoch is kept either way)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-train", type=int, help="stratified subsample of the training split")
    parser.add_argument("--max-val", type=int, help="stratified subsample of the validation split")
    parser.add_argument("--max-test", type=int, help="stratified subsample of the test split")
    parser.add_argument("--dropout", type=float, default=0.3, help="dropout before each fully connected layer")
    parser.add_argument("--input-dropout", type=float, default=0.0,
                        help="dropout on the network input (mlp, bitplane-mlp: whole pixels' features)")
    parser.add_argument("--hidden", type=int, help="width of the first hidden layer (mlp, bitplane-mlp; default: "
                        "1024, less for large images so the model stays a few MB)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--resume", action="store_true", help="continue from a checkpoint; skip if already done")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="skip the onnxruntime-node check (the card then records maxAbsDiffVsTorch: null)")
    parser.add_argument("--label-smoothing", type=float, default=0.0,
                        help="cross-entropy label smoothing (0 = none); tightens class clusters of the embedding")
    parser.add_argument("--augment", default="none", choices=AUGMENT_PRESETS,
                        help="plaintext augmentation (plain exports only; see training/augment.py)")
    parser.add_argument("--node", default=os.environ.get("CIPHERLENS_NODE", "node"), help="Node.js executable")
    args = parser.parse_args(argv)
    config = Config(
        data=args.data, architecture=args.arch, out=args.out, model_id=args.model_id, epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.lr, weight_decay=args.weight_decay, patience=args.patience,
        seed=args.seed, max_train=args.max_train, max_val=args.max_val, max_test=args.max_test,
        dropout=args.dropout, input_dropout=args.input_dropout, hidden=args.hidden,
        label_smoothing=args.label_smoothing, augment=args.augment, threads=args.threads,
        device=args.device, resume=args.resume, verify=args.verify, node=args.node,
    )
    check_config(config)
    return config


def check_config(config: Config) -> None:
    for name in ("epochs", "batch_size", "threads"):
        if getattr(config, name) < 1:
            raise TrainingError("BAD_INPUT", f"--{name.replace('_', '-')} must be at least 1")
    if not config.learning_rate > 0:
        raise TrainingError("BAD_INPUT", "--lr must be positive")
    if not (0 <= config.dropout < 1 and 0 <= config.input_dropout < 1):
        raise TrainingError("BAD_INPUT", "--dropout and --input-dropout must lie in [0, 1)")
    if not 0 <= config.label_smoothing < 1:
        raise TrainingError("BAD_INPUT", "--label-smoothing must lie in [0, 1)")
    if config.hidden is not None and config.hidden < 1:
        raise TrainingError("BAD_INPUT", "--hidden must be at least 1")
    if config.architecture not in FULLY_CONNECTED and (config.input_dropout or config.hidden):
        raise TrainingError("BAD_INPUT", f"--input-dropout and --hidden apply to mlp and bitplane-mlp, not {config.architecture}")
    if config.weight_decay < 0 or config.patience < 0:
        raise TrainingError("BAD_INPUT", "--weight-decay and --patience must not be negative")
    if config.model_id is not None and not all(c.isalnum() or c in "-_." for c in config.model_id):
        raise TrainingError("BAD_INPUT", f"--id {config.model_id!r} may only hold letters, digits, '-', '_' and '.'")


def default_model_id(dataset: str, architecture: str, condition: str) -> str:
    return f"{dataset}-{architecture}-{condition.replace('+', 'plus')}"


def choose_device(requested: str) -> torch.device:
    if requested == "cuda" and not torch.cuda.is_available():
        raise TrainingError("DEPENDENCY_MISSING", "--device cuda was asked for but torch sees no CUDA device")
    if requested == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda")


def config_fingerprint(config: Config, export: Export) -> str:
    """Identifies a run: same export, architecture and budget -> same fingerprint (resume / skip decisions)."""
    manifest = export.manifest
    identity = {
        "export": {k: manifest.get(k) for k in ("dataset", "condition", "keyFingerprint", "imageSize", "splits",
                                                 "splitSeed", "arnoldParametersId", "createdAt")},
        "architecture": config.architecture,
        "budget": [config.epochs, config.batch_size, config.learning_rate, config.weight_decay, config.patience,
                   config.seed, config.max_train, config.max_val, config.max_test],
        "model": [config.dropout, config.input_dropout, config.hidden],
    }
    if config.augment != "none":  # absent when off, so earlier runs keep their fingerprints
        identity["augment"] = config.augment
    if config.label_smoothing:  # absent when 0, so runs from before the option keep their fingerprints
        identity["labelSmoothing"] = config.label_smoothing
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, device: torch.device):
    """Mean cross-entropy and predicted labels over a whole split."""
    model.eval()
    losses = 0.0
    predictions = []
    with torch.no_grad():
        for start in range(0, len(labels), EVAL_BATCH):
            batch = images[start : start + EVAL_BATCH].to(device, non_blocking=True)
            target = labels[start : start + EVAL_BATCH].to(device, non_blocking=True)
            logits, _ = model(batch)
            losses += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
            predictions.append(logits.argmax(1).cpu())
    predicted = torch.cat(predictions).numpy() if predictions else np.zeros(0, dtype=np.int64)
    return losses / max(len(labels), 1), predicted


def as_tensors(split: Split) -> tuple[torch.Tensor, torch.Tensor]:
    # A writable in-memory copy: the export may be memory-mapped read-only, and torch wants writable storage.
    images = torch.from_numpy(np.array(split.images, dtype=np.uint8, copy=True)).unsqueeze(1)
    return images, torch.from_numpy(np.array(split.labels, dtype=np.int64, copy=True))


def write_json_atomic(path: str, value: object) -> None:
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def save_checkpoint(path: str, state: dict) -> None:
    temporary = f"{path}.tmp-{os.getpid()}"
    torch.save(state, temporary)
    os.replace(temporary, path)


def existing_card(path: str, fingerprint: str) -> dict | None:
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            card = json.load(handle)
    except (OSError, ValueError):
        return None
    return card if card.get("training", {}).get("configFingerprint") == fingerprint else None


def emit_done(progress: Progress, card: dict, card_path: str, onnx_path: str, skipped: bool) -> None:
    training = card["training"]
    progress.emit("done", id=card["id"], card=card_path, onnx=onnx_path, metrics=card["metrics"], skipped=skipped,
                  durationSeconds=training["durationSeconds"], epochsRun=training["epochsRun"],
                  bestEpoch=training["bestEpoch"], device=training["device"])


def transformable_fields(architecture: str, condition: str, onnx_path: str) -> dict:
    """A plain bit-plane model can be turned into a model for images encrypted under any key (Arnold gather of the
    per-pixel weights, sign flips for the keystream bits, the next layer's columns permuted alike; see
    docs/keys-and-models.md). The card names the scheme and the ONNX initializers the transform rewrites."""
    if architecture not in TRANSFORMABLE or condition != "plain":
        return {}
    return {"transformable": {"scheme": "bitplane-v1", **onnx_export.bitplane_initializers(onnx_path)}}


def jemalloc_active() -> bool:
    return "jemalloc" in os.environ.get("LD_PRELOAD", "")


def train(config: Config, progress: Progress) -> dict:
    torch.set_num_threads(config.threads)
    export = load_export(config.data)
    manifest = export.manifest
    model_id = config.model_id or default_model_id(manifest["dataset"], config.architecture, export.condition)
    os.makedirs(config.out, exist_ok=True)
    onnx_path = os.path.join(config.out, f"{model_id}.onnx")
    card_path = os.path.join(config.out, f"{model_id}.json")
    fingerprint = config_fingerprint(config, export)

    if config.resume:
        card = existing_card(card_path, fingerprint)
        if card is not None and os.path.isfile(onnx_path):
            emit_done(progress, card, card_path, onnx_path, skipped=True)
            return card

    if config.augment != "none" and export.condition != "plain":
        raise TrainingError("BAD_INPUT", f"--augment {config.augment} needs a plain export: nothing natural commutes "
                                         f"with the {export.condition} encryption, so augmented cipher images would "
                                         "not be images the model will ever see")
    device = choose_device(config.device)
    train_split = subsample(export.splits["train"], config.max_train, config.seed)
    val_split = subsample(export.splits["val"], config.max_val, config.seed + 1)
    test_split = subsample(export.splits["test"], config.max_test, config.seed + 2)
    mean, std = pixel_statistics(train_split.images)
    num_classes = len(export.classes)
    size = export.size

    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    augmenter = Augmenter(config.augment, size, config.seed)
    model = build_model(config.architecture, size, num_classes, mean, std, config.dropout, config.input_dropout,
                        config.hidden).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    train_images, train_labels = as_tensors(train_split)
    val_images, val_labels = as_tensors(val_split)
    steps_per_epoch = -(-len(train_labels) // config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.learning_rate, total_steps=total_steps,
                                                    pct_start=0.15)
    if device.type == "cuda":
        train_images, train_labels = train_images.to(device), train_labels.to(device)

    checkpoint_dir = os.path.join(config.out, ".checkpoints")
    checkpoint_path = os.path.join(checkpoint_dir, f"{model_id}.pt")
    start_epoch = 0
    history: list[dict] = []
    best = {"epoch": 0, "valAccuracy": -1.0, "valLoss": float("inf"), "state": None}
    elapsed_before = 0.0
    if config.resume and os.path.isfile(checkpoint_path):
        state = torch.load(checkpoint_path, map_location=device)
        if state.get("configFingerprint") == fingerprint:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            torch.set_rng_state(state["rng"])
            start_epoch, history, best, elapsed_before = state["epoch"], state["history"], state["best"], state["elapsed"]

    progress.emit("start", id=model_id, architecture=config.architecture, dataset=manifest["dataset"],
                  condition=export.condition, device=str(device), threads=config.threads, jemalloc=jemalloc_active(),
                  parameters=count_parameters(model), trainSize=len(train_labels), valSize=len(val_labels),
                  testSize=len(test_split.labels), epochs=config.epochs, stepsPerEpoch=steps_per_epoch,
                  totalSteps=total_steps, resumedFromEpoch=start_epoch)

    started = time.time()
    stale_epochs = 0 if not history else history[-1]["epoch"] - best["epoch"]
    early_stopped = False
    for epoch in range(start_epoch + 1, config.epochs + 1):
        if config.patience and stale_epochs >= config.patience:
            early_stopped = True
            progress.emit("early-stop", epoch=epoch - 1, bestEpoch=best["epoch"], patience=config.patience)
            break
        epoch_started = time.time()
        model.train()
        # One permutation per (seed, epoch) so a resumed run sees exactly the batches an uninterrupted one would.
        order = torch.randperm(len(train_labels), generator=torch.Generator().manual_seed(config.seed * 1009 + epoch))
        order = order.to(train_labels.device)
        loss_sum = 0.0
        correct = 0
        seen = 0
        last_event = time.time()
        for step_in_epoch in range(steps_per_epoch):
            index = order[step_in_epoch * config.batch_size : (step_in_epoch + 1) * config.batch_size]
            images = augmenter(train_images.index_select(0, index)).to(device, non_blocking=True)
            labels = train_labels.index_select(0, index).to(device, non_blocking=True)
            logits, _ = model(images)
            loss = nn.functional.cross_entropy(logits, labels, label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += float(loss) * len(labels)
            correct += int((logits.argmax(1) == labels).sum())
            seen += len(labels)
            if not np.isfinite(loss_sum):
                raise TrainingError("INTERNAL", f"training diverged (loss is not finite) in epoch {epoch}; try a lower --lr")
            if time.time() - last_event >= STEP_EVENT_SECONDS:
                last_event = time.time()
                progress.emit("step", epoch=epoch, step=(epoch - 1) * steps_per_epoch + step_in_epoch + 1,
                              totalSteps=total_steps, loss=loss_sum / seen)
        val_loss, val_predicted = evaluate(model, val_images, val_labels, device)
        val = classification_metrics(val_labels.numpy(), val_predicted, num_classes)
        improved = val["accuracy"] > best["valAccuracy"] or (
            val["accuracy"] == best["valAccuracy"] and val_loss < best["valLoss"]
        )
        if improved:
            best = {"epoch": epoch, "valAccuracy": val["accuracy"], "valLoss": val_loss,
                    "state": copy.deepcopy({k: v.cpu() for k, v in model.state_dict().items()})}
            stale_epochs = 0
        else:
            stale_epochs += 1
        record = {"epoch": epoch, "loss": loss_sum / seen, "trainAccuracy": correct / seen, "valLoss": val_loss,
                  "valAccuracy": val["accuracy"], "valWeightedF1": val["weightedF1"], "valMacroF1": val["macroF1"],
                  "seconds": round(time.time() - epoch_started, 2), "lr": scheduler.get_last_lr()[0]}
        history.append(record)
        progress.emit("epoch", epochs=config.epochs, step=epoch * steps_per_epoch, totalSteps=total_steps,
                      best=improved, **record)
        os.makedirs(checkpoint_dir, exist_ok=True)
        save_checkpoint(checkpoint_path, {
            "configFingerprint": fingerprint, "epoch": epoch, "model": model.state_dict(),
            "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state(),
            "history": history, "best": best, "elapsed": elapsed_before + time.time() - started,
        })

    duration = elapsed_before + time.time() - started
    model.load_state_dict(best["state"])
    model = model.cpu().eval()
    test_images, test_labels = as_tensors(test_split)
    _, val_predicted = evaluate(model, val_images, val_labels, torch.device("cpu"))
    _, test_predicted = evaluate(model, test_images, test_labels, torch.device("cpu"))
    metrics = {
        "validation": classification_metrics(val_labels.numpy(), val_predicted, num_classes),
        "test": classification_metrics(test_labels.numpy(), test_predicted, num_classes),
    }
    progress.emit("test", id=model_id, bestEpoch=best["epoch"], **metrics["test"])

    onnx_export.export_onnx(model, size, onnx_path)
    max_abs_diff = None
    if config.verify:
        inputs = onnx_export.verification_inputs(size, test_split.images, config.seed)
        max_abs_diff = onnx_export.verify_with_onnxruntime(model, onnx_path, inputs, config.node)
        with torch.no_grad():
            scale = max(1.0, float(max(t.abs().max() for t in model(torch.from_numpy(inputs)))))
        if max_abs_diff > ONNX_TOLERANCE * scale:
            raise TrainingError("INTERNAL", f"{onnx_path} disagrees with PyTorch: max abs diff {max_abs_diff:.3g}")
    progress.emit("export", id=model_id, onnx=onnx_path, bytes=os.path.getsize(onnx_path), maxAbsDiffVsTorch=max_abs_diff)

    epoch_seconds = [h["seconds"] for h in history]
    card = {
        "format": CARD_FORMAT,
        "version": 1,
        "id": model_id,
        "architecture": config.architecture,
        "dataset": manifest["dataset"],
        "classes": export.classes,
        "inputSize": size,
        "embeddingDim": EMBEDDING_DIM,
        "embeddingLayer": "penultimate fully connected layer (512 units), after its ReLU",
        "condition": export.condition,
        "keyFingerprint": manifest["keyFingerprint"],
        "encryptionSpecVersion": manifest["encryptionSpecVersion"],
        "arnoldParametersId": manifest.get("arnoldParametersId"),
        "splitSeed": manifest.get("splitSeed"),
        # The image pipeline (decoder and codec versions) that made the pixels the model was trained on.
        "imageDecoder": manifest.get("imageDecoder"),
        "training": {
            "epochs": config.epochs,
            "epochsRun": len(history),
            "bestEpoch": best["epoch"],
            "earlyStopped": early_stopped,
            "patience": config.patience,
            "batchSize": config.batch_size,
            "optimizer": "AdamW",
            "learningRate": config.learning_rate,
            "schedule": "one-cycle (15% warm-up, cosine decay), stepped per batch",
            "weightDecay": config.weight_decay,
            "seed": config.seed,
            "device": str(device),
            "threads": config.threads,
            "jemalloc": jemalloc_active(),
            "durationSeconds": round(duration, 1),
            "meanEpochSeconds": round(float(np.mean(epoch_seconds)), 1) if epoch_seconds else None,
            "trainSize": len(train_labels),
            "valSize": len(val_labels),
            "testSize": len(test_labels),
            "maxTrain": config.max_train,
            "parameters": count_parameters(model),
            "dropout": config.dropout,
            "inputDropout": config.input_dropout,
            "labelSmoothing": config.label_smoothing,
            "hiddenWidth": model.hidden[0].out_features if config.architecture in FULLY_CONNECTED else None,
            "augmentation": augmenter.describe(),
            "selection": "best validation accuracy (ties: lower validation loss)",
            "pixelMean": mean,
            "pixelStd": std,
            "configFingerprint": fingerprint,
            "source": {"export": os.path.basename(os.path.normpath(config.data)), "exportCreatedAt": manifest.get("createdAt")},
            "history": history,
        },
        "metrics": metrics,
        "onnx": {
            "file": os.path.basename(onnx_path),
            "opset": onnx_export.OPSET,
            "sha256": onnx_export.sha256_file(onnx_path),
            "maxAbsDiffVsTorch": max_abs_diff,
            "io": onnx_export.describe_graph(onnx_path),
        },
        **transformable_fields(config.architecture, export.condition, onnx_path),
        "torchVersion": torch.__version__,
        "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    write_json_atomic(card_path, card)
    if os.path.isfile(checkpoint_path):
        os.remove(checkpoint_path)
    emit_done(progress, card, card_path, onnx_path, skipped=False)
    return card


def main(argv: list[str] | None = None) -> int:
    progress, restore_stdout = take_stdout()
    try:
        config = parse_args(sys.argv[1:] if argv is None else argv)
        train(config, progress)
        return 0
    except TrainingError as error:
        progress.emit("error", code=error.code, message=error.message)
        return 2
    except KeyboardInterrupt:
        progress.emit("error", code="CANCELLED", message="training was interrupted")
        return 130
    except Exception as error:  # noqa: BLE001 - the caller still needs one parseable record
        traceback.print_exc()
        progress.emit("error", code="INTERNAL", message=f"{type(error).__name__}: {error}")
        return 1
    finally:
        restore_stdout()


if __name__ == "__main__":
    sys.exit(main())
