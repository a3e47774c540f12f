"""NumPy peer for bench/transform.bench.ts: the same key transform of a plain bit-plane model (docs/keys-and-models.md),
written independently of src/core/inference/key-transform.ts, with preallocated output buffers. Prints one JSON object.

  /usr/bin/python3 bench/peers/numpy_transform.py --model plain.onnx --gather gather.i32 --keystream keystream.u8 \
      --pixel-weight pixel_layer.weight --pixel-bias pixel_layer.bias --next-weight hidden.0.weight --runs 20 \
      [--out transformed.onnx]

Reports the median seconds of the weight rewrite alone and of the whole transform (parse, rewrite, serialise), and a
SHA-256 of the three rewritten tensors' bytes so the caller can check both implementations agree bit for bit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time

import numpy as np
import onnx
from onnx import numpy_helper


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--model", "--gather", "--keystream", "--pixel-weight", "--pixel-bias", "--next-weight"):
        parser.add_argument(name, required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out")
    args = parser.parse_args()

    raw = open(args.model, "rb").read()
    gather = np.fromfile(args.gather, dtype="<i4")
    keystream = np.fromfile(args.keystream, dtype=np.uint8)
    # sign[i, b] = -1 where keystream bit b of cipher position i is 1: XOR flips that bit's ±1 input.
    bits = (keystream[:, None] >> np.arange(8, dtype=np.uint8)[None, :]) & 1
    sign = (1.0 - 2.0 * bits).astype(np.float32)[:, :, None]

    def tensors(model):
        by_name = {t.name: t for t in model.graph.initializer}
        return by_name[args.pixel_weight], by_name[args.pixel_bias], by_name[args.next_weight]

    model = onnx.load_from_string(raw)
    w_t, b_t, n_t = tensors(model)
    weight, bias, nxt = (numpy_helper.to_array(t) for t in (w_t, b_t, n_t))
    features = weight.shape[2]
    columns = (gather[:, None] * features + np.arange(features)[None, :]).reshape(-1)
    out_weight = np.empty_like(weight)
    out_bias = np.empty_like(bias)
    out_next = np.empty_like(nxt)

    def rewrite():
        np.take(weight, gather, axis=0, out=out_weight)
        np.multiply(out_weight, sign, out=out_weight)
        np.take(bias, gather, axis=0, out=out_bias)
        np.take(nxt, columns, axis=1, out=out_next)

    rewrite_times, full_times = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        rewrite()
        rewrite_times.append(time.perf_counter() - started)
    serialized = b""
    for _ in range(args.runs):
        started = time.perf_counter()
        model = onnx.load_from_string(raw)
        w_t, b_t, n_t = tensors(model)
        weight, bias, nxt = (numpy_helper.to_array(t) for t in (w_t, b_t, n_t))
        rewrite()
        w_t.raw_data, b_t.raw_data, n_t.raw_data = out_weight.tobytes(), out_bias.tobytes(), out_next.tobytes()
        serialized = model.SerializeToString()
        full_times.append(time.perf_counter() - started)
    if args.out:
        open(args.out, "wb").write(serialized)
    digest = hashlib.sha256(out_weight.tobytes() + out_bias.tobytes() + out_next.tobytes()).hexdigest()
    print(json.dumps({"rewriteSeconds": statistics.median(rewrite_times), "fullSeconds": statistics.median(full_times),
                      "tensorsSha256": digest, "numpy": np.__version__, "onnx": onnx.__version__}))


if __name__ == "__main__":
    main()
