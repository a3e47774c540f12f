"""PyTorch CPU inference peer for bench/inference.bench.ts: the same architecture (training/models.py), the same
weights when a state dict is given (else seeded random weights, exported to ONNX so both runtimes run one model),
timed at the batch sizes and thread counts asked for. Prints one JSON object on stdout.

  /usr/bin/python3 bench/peers/torch_infer.py --architecture dcnn --size 64 --classes 6 --mean 80 --std 60 \
      --batches 1,256 --threads 1,2 --seconds 3 [--weights model.pt] [--export-onnx out.onnx] [--reference out.bin]

--reference writes the logits and embeddings (float32, little-endian, logits then embeddings) of a fixed input
batch (byte i of the batch = (i * 2654435761 >> 13) & 255, 8 images) so the caller can compare ONNX Runtime's.
Run with LD_PRELOAD=libjemalloc.so.2 for PyTorch's usual allocator set-up (the caller does when it exists).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, ROOT)
from training.models import build_model  # noqa: E402

REFERENCE_IMAGES = 8


def reference_batch(size: int) -> torch.Tensor:
    index = np.arange(REFERENCE_IMAGES * size * size, dtype=np.uint64)
    values = ((index * np.uint64(2654435761)) % np.uint64(2**32)) >> np.uint64(13)
    return torch.from_numpy((values & np.uint64(255)).astype(np.uint8).reshape(REFERENCE_IMAGES, 1, size, size))


def load_weights(model: torch.nn.Module, path: str) -> None:
    state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "best" in state and isinstance(state["best"], dict) and state["best"].get("state"):
        state = state["best"]["state"]
    elif isinstance(state, dict) and "model" in state:
        state = state["model"]
    model.load_state_dict(state)


def images_per_second(model: torch.nn.Module, batch: int, size: int, seconds: float) -> dict:
    generator = torch.Generator().manual_seed(batch)
    images = torch.randint(0, 256, (batch, 1, size, size), dtype=torch.uint8, generator=generator)
    with torch.inference_mode():
        for _ in range(3):
            model(images)
        runs = 0
        started = time.perf_counter()
        while True:
            model(images)
            runs += 1
            elapsed = time.perf_counter() - started
            if elapsed >= seconds and runs >= 3:
                break
    return {"batch": batch, "runs": runs, "seconds": elapsed, "imagesPerSecond": runs * batch / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--architecture", required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--classes", type=int, required=True)
    parser.add_argument("--mean", type=float, default=127.5)
    parser.add_argument("--std", type=float, default=73.9)
    parser.add_argument("--weights")
    parser.add_argument("--export-onnx")
    parser.add_argument("--reference")
    parser.add_argument("--batches", default="1,256")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    torch.set_num_interop_threads(1)  # must precede any parallel work
    torch.manual_seed(0)
    model = build_model(args.architecture, args.size, args.classes, args.mean, args.std)
    if args.weights:
        load_weights(model, args.weights)
    model.eval()
    if args.export_onnx:
        with torch.no_grad():
            torch.onnx.export(
                model,
                (torch.zeros((2, 1, args.size, args.size), dtype=torch.uint8),),
                args.export_onnx,
                input_names=["image"],
                output_names=["logits", "embedding"],
                dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "embedding": {0: "batch"}},
                opset_version=17,
                do_constant_folding=True,
            )
    if args.reference:
        with torch.inference_mode():
            logits, embedding = model(reference_batch(args.size))
        with open(args.reference, "wb") as handle:
            handle.write(logits.numpy().astype("<f4").tobytes())
            handle.write(embedding.numpy().astype("<f4").tobytes())

    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        for batch in [int(b) for b in args.batches.split(",")]:
            results.append({"threads": threads, **images_per_second(model, batch, args.size, args.seconds)})
    config = torch.__config__.show()
    blas = next((part.split("=", 1)[1] for part in config.replace(",", " ").split() if part.startswith("BLAS_INFO=")), None)
    print(json.dumps({
        "torch": torch.__version__,
        "build": {"blas": blas, "mkldnn": torch.backends.mkldnn.is_available(),
                  "cpuCapability": next((line.split(":", 1)[1].strip() for line in config.splitlines()
                                        if "CPU capability usage" in line), None)},
        "weights": "trained" if args.weights else "random (seeded)",
        "jemalloc": "jemalloc" in os.environ.get("LD_PRELOAD", ""),
        "parameters": sum(p.numel() for p in model.parameters()),
        "results": results,
    }))


if __name__ == "__main__":
    main()
