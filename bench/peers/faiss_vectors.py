"""FAISS peer for bench/vector-stores.bench.ts: the same vectors and queries, searched by IndexFlatIP (exact) or
IndexHNSWFlat (inner product, which on the L2-normalised rows the bench writes is cosine similarity).

Usage: faiss_vectors.py SPEC_JSON
SPEC_JSON: {"vectors": file, "count": n, "queries": file, "queryCount": q, "dim": d, "k": 10,
            "index": "flat" | "hnsw", "M": 16, "efConstruction": 128, "efSearch": [16, 64, ...],
            "singleRepeats": 50, "batch": 64, "buildThreads": 2}
Files are raw little-endian float32, rows end to end. Prints one JSON object: build seconds, index bytes, and per
setting the median single-query latency (one thread, like the TypeScript side), the per-query time of a batch
(all threads), and the ids of every query's top k (the caller computes recall against its own exact answer).
"""
import json
import sys
import time

import faiss
import numpy as np


def median_single_ms(index, queries, k, repeats):
    faiss.omp_set_num_threads(1)
    times = []
    for r in range(repeats + 2):
        q = queries[r % len(queries)][None, :]
        started = time.perf_counter()
        index.search(q, k)
        if r >= 2:
            times.append((time.perf_counter() - started) * 1000)
    return float(np.median(times))


def measure(index, queries, k, spec):
    single = median_single_ms(index, queries, k, spec["singleRepeats"])
    faiss.omp_set_num_threads(spec["buildThreads"])
    batch = queries[: spec["batch"]]
    index.search(batch, k)
    started = time.perf_counter()
    index.search(batch, k)
    batch_ms = (time.perf_counter() - started) * 1000 / len(batch)
    faiss.omp_set_num_threads(1)
    _, ids = index.search(queries, k)
    return {"singleMedianMs": single, "batchMsPerQuery": batch_ms, "ids": ids.astype(int).tolist()}


def main():
    spec = json.loads(sys.argv[1])
    d = spec["dim"]
    vectors = np.fromfile(spec["vectors"], dtype="<f4", count=spec["count"] * d).reshape(spec["count"], d)
    queries = np.fromfile(spec["queries"], dtype="<f4", count=spec["queryCount"] * d).reshape(spec["queryCount"], d)
    k = spec["k"]
    faiss.omp_set_num_threads(spec["buildThreads"])
    started = time.perf_counter()
    if spec["index"] == "flat":
        index = faiss.IndexFlatIP(d)
    else:
        index = faiss.IndexHNSWFlat(d, spec["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec["efConstruction"]
    index.add(vectors)
    build = time.perf_counter() - started
    out = {
        "faiss": faiss.__version__,
        "index": spec["index"],
        "buildSeconds": build,
        "indexBytes": int(faiss.serialize_index(index).nbytes) if spec["index"] == "hnsw" else int(vectors.nbytes),
        "settings": [],
    }
    if spec["index"] == "flat":
        out["settings"].append({"efSearch": None, **measure(index, queries, k, spec)})
    else:
        for ef in spec["efSearch"]:
            index.hnsw.efSearch = ef
            out["settings"].append({"efSearch": ef, **measure(index, queries, k, spec)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
