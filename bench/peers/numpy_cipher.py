#!/usr/bin/env python3
"""Independent NumPy implementation of CipherLens encryption spec v1, written from docs/encryption.md.

Two jobs:
  --check-vectors FILE   re-derive every value of test/fixtures/encryption-vectors.json from the spec and compare
  --bench                time encrypt/decrypt of a batch, the strong way (np.take / np.bitwise_xor into
                         preallocated buffers, 1024-image chunks) and the naive way (fresh arrays per call)
Prints one JSON object on stdout. Needs numpy and cryptography (Debian: python3-numpy, python3-cryptography).
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import time

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SALT = b"cipherlens-v1"
# Condition names, codes and properties come from the TypeScript registry (training/registry.json, `npm run
# registry`); the arithmetic of each kernel below is written from docs/encryption.md.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training", "registry.json"),
          encoding="utf-8") as _handle:
    REGISTRY = {entry["name"]: entry for entry in json.load(_handle)["conditions"]}
CONDITIONS = list(REGISTRY)
CONDITION_CODES = {name: entry["code"] for name, entry in REGISTRY.items()}
MAGIC = bytes([0x89, 0x43, 0x4C, 0x45, 0x4E, 0x53, 0x0D, 0x0A])


def hkdf(master: bytes, label: str) -> bytes:
    """RFC 5869 with SHA-256, L = 32 (one block of expand)."""
    prk = hmac.new(SALT, master, hashlib.sha256).digest()
    return hmac.new(prk, label.encode("ascii") + b"\x01", hashlib.sha256).digest()


def fingerprint(master: bytes) -> str:
    return hashlib.sha256(hkdf(master, "fingerprint")).hexdigest()[:16]


def arnold_raw(master: bytes):
    s = hkdf(master, "arnold")
    a_raw = 1 + int.from_bytes(s[0:2], "big") % 1023
    b_raw = 1 + int.from_bytes(s[2:4], "big") % 1023
    seed = int.from_bytes(s[4:8], "big")
    return s, a_raw, b_raw, seed


def mat_mul(p, q, n):
    return (
        (p[0] * q[0] + p[1] * q[2]) % n,
        (p[0] * q[1] + p[1] * q[3]) % n,
        (p[2] * q[0] + p[3] * q[2]) % n,
        (p[2] * q[1] + p[3] * q[3]) % n,
    )


def arnold_plan(master: bytes, n: int):
    s, a_raw, b_raw, seed = arnold_raw(master)
    a = a_raw % n or 1
    b = b_raw % n or 1
    m = (1 % n, a, b, (a * b + 1) % n)
    identity = (1 % n, 0, 0, 1 % n)
    acc, period = m, 1
    while acc != identity:
        acc = mat_mul(acc, m, n)
        period += 1
    iterations = 1 + seed % (period - 1)
    t = identity
    for _ in range(iterations):  # plain repetition: an independent check of the square-and-multiply in TS
        t = mat_mul(t, m, n)
    y, x = np.divmod(np.arange(n * n, dtype=np.int64), n)
    xd = (t[0] * x + t[1] * y) % n
    yd = (t[2] * x + t[3] * y) % n
    gather = np.empty(n * n, dtype=np.intp)
    gather[yd * n + xd] = y * n + x
    message = f"arnold-parameters-v1:{n}:{a}:{b}:{iterations}".encode("ascii")
    parameters_id = hmac.new(s, message, hashlib.sha256).hexdigest()[:16]
    return {"a": a, "b": b, "period": period, "iterations": iterations, "gather": gather, "parametersId": parameters_id}


def uniform_plan(master: bytes, n: int):
    """Fisher–Yates over the big-endian u32 words of AES-256-CTR(uniform-permutation sub-key) with rejection."""
    s = hkdf(master, "uniform-permutation")
    iv = n.to_bytes(4, "big") + n.to_bytes(4, "big") + bytes(8)
    encryptor = Cipher(algorithms.AES(s), modes.CTR(iv)).encryptor()
    pixels = n * n
    words: list[int] = []
    position = 0

    def next_word() -> int:
        nonlocal words, position
        if position == len(words):
            words = np.frombuffer(encryptor.update(bytes(65536)), dtype=">u4").tolist()
            position = 0
        position += 1
        return words[position - 1]

    table = list(range(pixels))
    for i in range(pixels - 1, 0, -1):
        m = i + 1
        limit = 2**32 - (2**32 % m)
        x = next_word()
        while x >= limit:
            x = next_word()
        j = x % m
        table[i], table[j] = table[j], table[i]
    parameters_id = hmac.new(s, f"uniform-permutation-v1:{n}".encode("ascii"), hashlib.sha256).hexdigest()[:16]
    return {"gather": np.array(table, dtype=np.intp), "parametersId": parameters_id}


PERMUTATION_PLANS = {"arnold": arnold_plan, "uniform": uniform_plan}


def keystream(master: bytes, n: int) -> np.ndarray:
    iv = n.to_bytes(4, "big") + n.to_bytes(4, "big") + bytes(8)
    encryptor = Cipher(algorithms.AES(hkdf(master, "keystream")), modes.CTR(iv)).encryptor()
    return np.frombuffer(encryptor.update(bytes(n * n)) + encryptor.finalize(), dtype=np.uint8)


class Tables:
    def __init__(self, master: bytes, condition: str, n: int):
        pixels = n * n
        self.condition = condition
        kind = REGISTRY[condition]["permutation"]
        self.xor = REGISTRY[condition]["xor"]
        self.gather = PERMUTATION_PLANS[kind](master, n)["gather"] if kind else None
        self.ks = keystream(master, n) if self.xor else np.zeros(pixels, dtype=np.uint8)
        if self.gather is not None:
            self.inverse = np.empty(pixels, dtype=np.intp)
            self.inverse[self.gather] = np.arange(pixels)
            self.decrypt_mask = self.ks[self.inverse]


def encrypt_naive(t: Tables, batch: np.ndarray) -> np.ndarray:
    if t.gather is None:
        return batch ^ t.ks if t.xor else batch.copy()
    out = batch[:, t.gather]
    return out ^ t.ks if t.xor else out


def decrypt_naive(t: Tables, batch: np.ndarray) -> np.ndarray:
    if t.gather is None:
        return batch ^ t.ks if t.xor else batch.copy()
    out = batch[:, t.inverse]
    return out ^ t.decrypt_mask if t.xor else out


def run_strong(table, mask, src: np.ndarray, dst: np.ndarray, chunk: int, xor: bool) -> None:
    """Writes into preallocated dst: no allocation inside the loop."""
    count = src.shape[0]
    for start in range(0, count, chunk):
        stop = min(start + chunk, count)
        s = src[start:stop]
        d = dst[start:stop]
        if table is not None:
            np.take(s, table, axis=1, out=d)
            if xor:
                np.bitwise_xor(d, mask, out=d)
        elif xor:
            np.bitwise_xor(s, mask, out=d)
        else:
            np.copyto(d, s)


def encrypt_strong(t: Tables, src, dst, chunk):
    run_strong(t.gather, t.ks, src, dst, chunk, t.xor)


def decrypt_strong(t: Tables, src, dst, chunk):
    if t.gather is None:
        run_strong(None, t.ks, src, dst, chunk, t.xor)
    else:
        run_strong(t.inverse, t.decrypt_mask, src, dst, chunk, t.xor)


def input_batch(count: int, n: int) -> np.ndarray:
    """Same formula as bench/crypto.bench.ts: byte i = ((i · 2654435761) mod 2^32 >> 13) & 255."""
    flat = np.arange(count * n * n, dtype=np.uint32) * np.uint32(2654435761)
    return ((flat >> np.uint32(13)) & np.uint32(255)).astype(np.uint8).reshape(count, n * n)


def best_rate(action, count: int, repeats: int) -> dict:
    """Images per second, best of `repeats`, per wall second and per CPU second of this process."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        cpu_started = time.process_time()
        started = time.perf_counter()
        action()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - cpu_started)
    return {"wall": count / wall, "cpu": count / max(cpu, 1e-6)}


def bench(args) -> dict:
    master = bytes.fromhex(args.key)
    n, count = args.size, args.count
    src = input_batch(count, n)
    enc = np.empty_like(src)
    dec = np.empty_like(src)
    results = []
    for condition in args.conditions.split(","):
        t = Tables(master, condition, n)
        encrypt_strong(t, src[:2048], enc[:2048], args.chunk)  # warm-up: page in, caches
        decrypt_strong(t, enc[:2048], dec[:2048], args.chunk)
        row = {
            "condition": condition,
            "strongEncrypt": best_rate(lambda: encrypt_strong(t, src, enc, args.chunk), count, args.repeats),
            "strongDecrypt": best_rate(lambda: decrypt_strong(t, enc, dec, args.chunk), count, args.repeats),
        }
        if not np.array_equal(dec, src):
            raise SystemExit(f"numpy peer round trip failed for {condition}")
        row["cipherSha256"] = hashlib.sha256(enc.tobytes()).hexdigest()
        if condition in args.naive_conditions.split(","):
            # One run: each call allocates a fresh batch-sized array, which is the point of this peer.
            row["naiveEncrypt"] = best_rate(lambda: encrypt_naive(t, src), count, 1)
            row["naiveDecrypt"] = best_rate(lambda: decrypt_naive(t, enc), count, 1)
            if not np.array_equal(encrypt_naive(t, src[:16]), enc[:16]):
                raise SystemExit(f"numpy naive and strong disagree for {condition}")
        results.append(row)
    return {"size": n, "count": count, "chunk": args.chunk, "numpy": np.__version__, "results": results}


def check_vectors(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        vectors = json.load(handle)
    master = bytes.fromhex(vectors["key"]["hex"])
    failures = []
    checks = 0

    def expect(what, got, want):
        nonlocal checks
        checks += 1
        if got != want:
            failures.append(f"{what}: got {str(got)[:80]}, want {str(want)[:80]}")

    expect("fingerprint", fingerprint(master), vectors["key"]["fingerprint"])
    for label, value in vectors["key"]["subkeys"].items():
        expect(f"subkey {label}", hkdf(master, label).hex(), value)
    _, a_raw, b_raw, seed = arnold_raw(master)
    derivation = vectors["arnoldDerivation"]
    expect("a_raw", a_raw, derivation["aRaw"])
    expect("b_raw", b_raw, derivation["bRaw"])
    expect("seed", seed, derivation["iterationSeed"])
    for image in vectors["images"]:
        n = image["size"]
        plan = arnold_plan(master, n)
        for field in ("a", "b", "period", "iterations", "parametersId"):
            expect(f"{n} {field}", plan[field], image["arnold"][field])
        if "gather" in image["arnold"]:
            expect(f"{n} gather", plan["gather"].tolist(), image["arnold"]["gather"])
        uniform = uniform_plan(master, n)
        expect(f"{n} uniform parametersId", uniform["parametersId"], image["uniform"]["parametersId"])
        if "gather" in image["uniform"]:
            expect(f"{n} uniform gather", uniform["gather"].tolist(), image["uniform"]["gather"])
        expect(f"{n} keystream", keystream(master, n).tobytes().hex(), image["keystream"])
        plain = np.frombuffer(bytes.fromhex(image["input"]), dtype=np.uint8).reshape(1, n * n)
        for condition in CONDITIONS:
            t = Tables(master, condition, n)
            cipher = encrypt_naive(t, plain)
            expect(f"{n} {condition}", cipher.tobytes().hex(), image["outputs"][condition])
            expect(f"{n} {condition} round trip", decrypt_naive(t, cipher).tobytes(), plain.tobytes())
    c = vectors["container"]
    n = c["size"]
    plain = np.frombuffer(bytes.fromhex(c["input"]), dtype=np.uint8).reshape(1, n * n)
    metadata = json.dumps(c["metadata"], separators=(",", ":")).encode("utf-8")
    kind = REGISTRY[c["condition"]]["permutation"]
    parameters_id = PERMUTATION_PLANS[kind](master, n)["parametersId"] if kind else "00" * 8
    body = (
        MAGIC
        + bytes([1, CONDITION_CODES[c["condition"]]])
        + (0).to_bytes(2, "big")
        + n.to_bytes(4, "big")
        + bytes.fromhex(fingerprint(master))
        + bytes.fromhex(parameters_id)
        + len(metadata).to_bytes(2, "big")
        + metadata
        + encrypt_naive(Tables(master, c["condition"], n), plain).tobytes()
    )
    container = body + hmac.new(hkdf(master, "mac"), body, hashlib.sha256).digest()
    expect("container", container.hex(), c["hex"])
    # Version 2 (docs/encryption.md §7): the item id and the record digest after the metadata length.
    b = vectors["boundContainer"]
    item = b["item"]
    fields = ["cipherlens-item-v2", item["id"], fingerprint(master), b["condition"], str(b["size"]),
              item["sourceKey"], item["seal"]]
    digest = hashlib.sha256("\0".join(fields).encode("utf-8")).digest()
    expect("record digest", digest.hex(), b["recordDigest"])
    item_id = item["id"].encode("ascii")
    bound = (
        body[:8]
        + bytes([2])
        + body[9:34]
        + bytes([len(item_id)])
        + item_id
        + digest
        + body[34:]
    )
    bound += hmac.new(hkdf(master, "mac"), bound, hashlib.sha256).digest()
    expect("bound container", bound.hex(), b["hex"])
    return {"ok": not failures, "checks": checks, "failures": failures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-vectors", metavar="FILE")
    parser.add_argument("--bench", action="store_true")
    parser.add_argument("--key", default="00" * 32)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--chunk", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--naive-conditions", default="", help="also time the naive fresh-array version for these")
    args = parser.parse_args()
    if args.check_vectors:
        report = check_vectors(args.check_vectors)
        print(json.dumps(report))
        return 0 if report["ok"] else 1
    if args.bench:
        print(json.dumps(bench(args)))
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
