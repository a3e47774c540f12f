"""numpy peer for bench/security.bench.ts: the same per-image metrics, vectorised over chunks of images.

Usage: numpy_metrics.py IMAGES_FILE SIZE COUNT REPEATS
IMAGES_FILE holds 2*COUNT images of SIZE*SIZE uint8 (set A, then set B). Prints one JSON object with the best
wall time per metric over REPEATS runs and checksums that the TypeScript side compares with its own.

Written as a strong peer: whole chunks of images per numpy call (1024 at 28x28 and 64x64, fewer at 256x256),
every large intermediate preallocated once and written with out=, and the cheapest formulation we know for
each metric (entropy through a c*log2(c) lookup table, correlations from totals minus edge sums so that only
the three cross products touch every pixel).
"""
import json
import sys
import time

import numpy as np


def chunk_for(size):
    return max(16, min(1024, (1 << 22) // (size * size)))


class Metrics:
    def __init__(self, size, chunk):
        n = size * size
        self.size = size
        self.n = n
        self.chunk = chunk
        self.offsets = (np.arange(chunk, dtype=np.int32) * 256)[:, None]
        self.index = np.empty((chunk, n), dtype=np.int32)
        self.count_log = np.zeros(n + 1, dtype=np.float64)
        counts = np.arange(1, n + 1, dtype=np.float64)
        self.count_log[1:] = counts * np.log2(counts)
        self.weights = np.empty((chunk, 256), dtype=np.float64)
        self.as_float = np.empty((chunk, size, size), dtype=np.float64)
        self.product = np.empty((chunk, size, size), dtype=np.float64)
        self.wide_a = np.empty((chunk, n), dtype=np.int16)
        self.wide_b = np.empty((chunk, n), dtype=np.int16)
        self.changed = np.empty((chunk, n), dtype=bool)

    def histograms(self, images):
        c = len(images)
        index = self.index[:c]
        np.add(images.reshape(c, self.n), self.offsets[:c], out=index)
        return np.bincount(index.ravel(), minlength=c * 256).reshape(c, 256)

    def entropy(self, images):
        c = len(images)
        counts = self.histograms(images)
        weights = self.weights[:c]
        np.take(self.count_log, counts, out=weights)
        return np.log2(self.n) - weights.sum(axis=1) / self.n

    def correlations(self, images):
        c = len(images)
        s = self.size
        f = self.as_float[:c]
        np.copyto(f, images.reshape(c, s, s))
        total = f.sum(axis=(1, 2))
        squares = np.einsum('ijk,ijk->i', f, f)
        first_row, last_row = f[:, 0, :], f[:, -1, :]
        first_col, last_col = f[:, :, 0], f[:, :, -1]
        fr, lr, fc, lc = (e.sum(axis=1) for e in (first_row, last_row, first_col, last_col))
        frq, lrq, fcq, lcq = (np.einsum('ij,ij->i', e, e) for e in (first_row, last_row, first_col, last_col))
        p = self.product[:c]
        np.multiply(f[:, :, :-1], f[:, :, 1:], out=p[:, :, :-1])
        right = p[:, :, :-1].sum(axis=(1, 2))
        np.multiply(f[:, :-1, :], f[:, 1:, :], out=p[:, :-1, :])
        down = p[:, :-1, :].sum(axis=(1, 2))
        np.multiply(f[:, :-1, :-1], f[:, 1:, 1:], out=p[:, :-1, :-1])
        diagonal = p[:, :-1, :-1].sum(axis=(1, 2))
        corner, origin = f[:, -1, -1], f[:, 0, 0]
        along = s * (s - 1)

        def pearson(n, sx, sy, sxx, syy, sxy):
            return (n * sxy - sx * sy) / np.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy))

        return (
            pearson(along, total - lc, total - fc, squares - lcq, squares - fcq, right),
            pearson(along, total - lr, total - fr, squares - lrq, squares - frq, down),
            pearson(
                (s - 1) ** 2,
                total - lr - lc + corner,
                total - fr - fc + origin,
                squares - lrq - lcq + corner * corner,
                squares - frq - fcq + origin * origin,
                diagonal,
            ),
        )

    def npcr_uaci(self, a, b):
        c = len(a)
        wa, wb, changed = self.wide_a[:c], self.wide_b[:c], self.changed[:c]
        np.not_equal(a.reshape(c, self.n), b.reshape(c, self.n), out=changed)
        npcr = 100.0 * changed.sum(axis=1) / self.n
        np.copyto(wa, a.reshape(c, self.n))
        np.copyto(wb, b.reshape(c, self.n))
        np.subtract(wa, wb, out=wa)
        np.abs(wa, out=wa)
        uaci = 100.0 * wa.sum(axis=1, dtype=np.int64) / (255.0 * self.n)
        return npcr, uaci


def timed(repeats, work):
    best = float('inf')
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def main():
    path, size, count, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    n = size * size
    data = np.fromfile(path, dtype=np.uint8)
    if data.size != 2 * count * n:
        raise SystemExit(f'{path} holds {data.size} bytes, expected {2 * count * n}')
    images_a = data[: count * n].reshape(count, n)
    images_b = data[count * n :].reshape(count, n)
    chunk = chunk_for(size)
    metrics = Metrics(size, chunk)
    spans = [(start, min(count, start + chunk)) for start in range(0, count, chunk)]

    def run_histogram():
        check = 0
        for start, end in spans:
            check += int(metrics.histograms(images_a[start:end])[:, 0].sum())
        return check

    def run_entropy():
        return float(sum(metrics.entropy(images_a[start:end]).sum() for start, end in spans))

    def run_correlation():
        check = 0.0
        for start, end in spans:
            h, v, d = metrics.correlations(images_a[start:end])
            check += float(np.nansum(h) + np.nansum(v) + np.nansum(d))
        return check

    def run_npcr_uaci():
        check = 0.0
        for start, end in spans:
            npcr, uaci = metrics.npcr_uaci(images_a[start:end], images_b[start:end])
            check += float(npcr.sum() + uaci.sum())
        return check

    results = {}
    for name, work in (
        ('histogram', run_histogram),
        ('entropy', run_entropy),
        ('correlation', run_correlation),
        ('npcrUaci', run_npcr_uaci),
    ):
        work()  # warm-up: first touch of the preallocated buffers
        seconds, checksum = timed(repeats, work)
        results[name] = {'seconds': seconds, 'checksum': checksum}
    print(json.dumps({'numpy': np.__version__, 'chunk': chunk, 'results': results}))


if __name__ == '__main__':
    main()
