"""ONNX export (opset 17, uint8 input "image" [batch,1,N,N], outputs "logits" and "embedding", dynamic batch) and
its verification: the exported graph runs in onnxruntime-node (training/verify_onnx.mjs) on the same inputs as
PyTorch, and the largest absolute difference over both outputs goes into the model card."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np
import onnx
import torch
from torch import nn

from .errors import TrainingError

OPSET = 17
VERIFIER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify_onnx.mjs")


def export_onnx(model: nn.Module, size: int, path: str) -> None:
    model.eval()
    example = torch.zeros((2, 1, size, size), dtype=torch.uint8)
    temporary = f"{path}.tmp-{os.getpid()}"
    with torch.no_grad():
        torch.onnx.export(
            model,
            (example,),
            temporary,
            input_names=["image"],
            output_names=["logits", "embedding"],
            dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "embedding": {0: "batch"}},
            opset_version=OPSET,
            do_constant_folding=True,
        )
    graph = onnx.load(temporary)
    onnx.checker.check_model(graph, full_check=True)
    os.replace(temporary, path)


def describe_graph(path: str) -> dict:
    """Names, element types and shapes of the graph's inputs and outputs (symbolic dims as strings)."""
    graph = onnx.load(path).graph

    def describe(value) -> dict:
        tensor = value.type.tensor_type
        dims = [d.dim_param if d.dim_param else d.dim_value for d in tensor.shape.dim]
        return {"name": value.name, "elemType": onnx.TensorProto.DataType.Name(tensor.elem_type), "shape": dims}

    return {"inputs": [describe(v) for v in graph.input], "outputs": [describe(v) for v in graph.output]}


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verification_inputs(size: int, real_images: np.ndarray, seed: int, random_count: int = 32) -> np.ndarray:
    """Random bytes (the whole uint8 range) plus a few real images, as [B,1,N,N] uint8."""
    rng = np.random.default_rng(seed)
    random_images = rng.integers(0, 256, size=(random_count, size, size), dtype=np.uint8)
    batch = np.concatenate([random_images, np.asarray(real_images[:32], dtype=np.uint8)])
    return np.ascontiguousarray(batch[:, None, :, :])


def verify_with_onnxruntime(model: nn.Module, onnx_path: str, inputs: np.ndarray, node: str) -> float:
    """Largest |onnxruntime-node - PyTorch| over logits and embedding for `inputs`."""
    if shutil.which(node) is None and not os.path.isfile(node):
        raise TrainingError(
            "DEPENDENCY_MISSING",
            f'cannot verify the ONNX export: Node.js ("{node}") was not found. Install Node 20+ and run `npm install` '
            "in the repository, or pass --node PATH (or --no-verify to skip the check)",
        )
    model.eval()
    with torch.no_grad():
        logits, embedding = model(torch.from_numpy(inputs))
    with tempfile.TemporaryDirectory(prefix="cipherlens-verify-") as work:
        inputs.tofile(os.path.join(work, "image.bin"))
        logits.numpy().astype("<f4").tofile(os.path.join(work, "logits.bin"))
        embedding.numpy().astype("<f4").tofile(os.path.join(work, "embedding.bin"))
        with open(os.path.join(work, "meta.json"), "w", encoding="utf-8") as handle:
            json.dump({"shape": list(inputs.shape), "logits": list(logits.shape), "embedding": list(embedding.shape)}, handle)
        result = subprocess.run([node, VERIFIER, onnx_path, work], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TrainingError(
            "DEPENDENCY_MISSING" if "onnxruntime-node" in result.stderr else "INTERNAL",
            f"onnxruntime-node could not check {onnx_path}: {result.stderr.strip() or result.stdout.strip()}",
        )
    report = json.loads(result.stdout)
    return float(report["maxAbsDiff"])


BITPLANE_INITIALIZERS = {"pixelWeight": "pixel_layer.weight", "pixelBias": "pixel_layer.bias",
                         "nextWeight": "hidden.0.weight"}


def bitplane_initializers(path: str) -> dict:
    """The initializers a key transform rewrites in an exported bit-plane model, checked to exist: the per-pixel
    weights [P, 8, F] and biases [P, F], and the next Gemm's weight [H, P·F] (transB = 1: columns are inputs)."""
    graph = onnx.load(path).graph
    present = {initializer.name for initializer in graph.initializer}
    missing = [name for name in BITPLANE_INITIALIZERS.values() if name not in present]
    if missing:
        raise TrainingError("INTERNAL", f"{path}: the bit-plane export lacks initializers {', '.join(missing)}")
    return dict(BITPLANE_INITIALIZERS)
