/**
 * Encryption throughput on one core: every condition, encrypt and decrypt, 28×28 and 64×64, batches of 50,000
 * images, next to the NumPy peer (bench/peers/numpy_cipher.py) run on the same machine in the same run.
 * Writes bench/results/crypto.json. Timing needs a quiet machine: the load average is recorded beside the numbers,
 * and rates are given both per wall-clock second and per CPU second of the process (the latter is far less
 * disturbed when other work shares the cores).
 *   npm run bench -- crypto          (CIPHERLENS_BENCH_COUNT=N for a quick, smaller run)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImageCipher, createImageCipher, forgetCiphers } from '../src/core/crypto/cipher.js';
import { CONDITIONS, type Condition } from '../src/core/crypto/condition.js';
import { keyFromBytes } from '../src/core/crypto/keys.js';

const here = dirname(fileURLToPath(import.meta.url));
const SIZES = [28, 64] as const;
const COUNT = Number(process.env.CIPHERLENS_BENCH_COUNT ?? 50_000);
const REPEATS = 5;
const KEY_BYTES = Uint8Array.from({ length: 32 }, (_, i) => i);

/** Images per second: best of the repeats, by wall clock and by CPU time of this process. */
interface Rate {
  wall: number;
  cpu: number;
}

interface PeerRow {
  condition: Condition;
  strongEncrypt: Rate;
  strongDecrypt: Rate;
  cipherSha256: string;
  naiveEncrypt?: Rate;
  naiveDecrypt?: Rate;
}

/** Same formula as the peer's input_batch: byte i = ((i · 2654435761) mod 2^32 >>> 13) & 255. */
function inputBatch(count: number, size: number): Uint8Array {
  const batch = new Uint8Array(count * size * size);
  for (let i = 0; i < batch.length; i++) batch[i] = (Math.imul(i, 2654435761) >>> 13) & 255;
  return batch;
}

function bestRate(count: number, action: () => void): Rate {
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const cpuStart = process.cpuUsage();
    const started = process.hrtime.bigint();
    action();
    wall = Math.min(wall, Number(process.hrtime.bigint() - started) / 1e9);
    const used = process.cpuUsage(cpuStart);
    cpu = Math.min(cpu, (used.user + used.system) / 1e6);
  }
  return { wall: count / wall, cpu: count / Math.max(cpu, 1e-6) };
}

function runPeer(
  size: number,
  naiveConditions: string,
): { results: PeerRow[]; numpy: string } | { error: string } {
  const args = [
    join(here, 'peers/numpy_cipher.py'),
    '--bench',
    ...['--size', String(size), '--count', String(COUNT), '--repeats', String(REPEATS)],
    ...['--key', Buffer.from(KEY_BYTES).toString('hex'), '--naive-conditions', naiveConditions],
  ];
  const run = spawnSync('/usr/bin/python3', args, {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0)
    return { error: `numpy peer failed (${run.status}): ${run.stderr.trim().slice(-400)}` };
  return JSON.parse(run.stdout) as { results: PeerRow[]; numpy: string };
}

const round = (rate: Rate | undefined | null): Rate | null =>
  rate ? { wall: Math.round(rate.wall), cpu: Math.round(rate.cpu) } : null;
const ratio = (mine: Rate, theirs: Rate | undefined | null): Rate | null =>
  theirs
    ? { wall: Number((mine.wall / theirs.wall).toFixed(3)), cpu: Number((mine.cpu / theirs.cpu).toFixed(3)) }
    : null;

export async function run(): Promise<void> {
  const key = keyFromBytes(KEY_BYTES);
  const loadBefore = loadavg();
  const rows: Record<string, unknown>[] = [];
  const breakdown: Record<string, unknown>[] = [];
  const peers: Record<string, unknown> = {};

  for (const size of SIZES) {
    const pixels = size * size;
    const source = inputBatch(COUNT, size);
    const encrypted = new Uint8Array(source.length);
    const decrypted = new Uint8Array(source.length);
    const warmCount = Math.min(COUNT, 2048);
    const ours = new Map<Condition, { encrypt: Rate; decrypt: Rate; sha256: string }>();
    for (const condition of CONDITIONS) {
      forgetCiphers(key); // the build is timed, not a cache hit
      const buildStarted = process.hrtime.bigint();
      const cipher = createImageCipher(key, condition, size);
      const buildMs = Number(process.hrtime.bigint() - buildStarted) / 1e6;
      cipher.encryptBatch(source, encrypted, warmCount);
      cipher.decryptBatch(encrypted, decrypted, warmCount);
      const encrypt = bestRate(COUNT, () => cipher.encryptBatch(source, encrypted, COUNT));
      const decrypt = bestRate(COUNT, () => cipher.decryptBatch(encrypted, decrypted, COUNT));
      if (!Buffer.from(decrypted).equals(Buffer.from(source)))
        throw new Error(`round trip failed: ${condition} ${size}`);
      const sha256 = createHash('sha256').update(encrypted).digest('hex');
      ours.set(condition, { encrypt, decrypt, sha256 });
      breakdown.push({ size, condition, kernel: cipher.kernel, tableBuildMs: Number(buildMs.toFixed(3)) });
    }

    // Where the time goes at this size, for arnold+xor encryption: the WebAssembly kernel (default) against the
    // JavaScript kernels it replaced — packed 32-bit stores, and the byte loop (a misaligned target forces it) —
    // and against copying the batch once (the WebAssembly path copies every chunk in and out of its memory).
    const jsCipher = buildImageCipher(key, 'arnold+xor', size, { kernel: 'js' });
    jsCipher.encryptBatch(source, decrypted, warmCount);
    const jsPacked = bestRate(COUNT, () => jsCipher.encryptBatch(source, decrypted, COUNT));
    // The WebAssembly kernel's arnold+xor output, to compare the JavaScript kernels with.
    createImageCipher(key, 'arnold+xor', size).encryptBatch(source, encrypted, COUNT);
    if (!Buffer.from(decrypted).equals(Buffer.from(encrypted)))
      throw new Error(`JS and WebAssembly disagree at ${size}`);
    const misaligned = new Uint8Array(source.length + 1).subarray(1);
    jsCipher.encryptBatch(source, misaligned, warmCount);
    const jsByteLoop = bestRate(COUNT, () => jsCipher.encryptBatch(source, misaligned, COUNT));
    if (!Buffer.from(misaligned).equals(Buffer.from(encrypted)))
      throw new Error(`byte loop disagrees at ${size}`);
    const memcpy = bestRate(COUNT, () => decrypted.set(source));
    const wasm = ours.get('arnold+xor')!.encrypt;
    breakdown.push({
      size,
      what: 'arnold+xor encrypt, images/s',
      kernel: createImageCipher(key, 'arnold+xor', size).kernel,
      wasm: round(wasm),
      wasmGatherOnly: round(ours.get('arnold')!.encrypt),
      wasmXorOnly: round(ours.get('xor')!.encrypt),
      jsPacked: round(jsPacked),
      jsByteLoop: round(jsByteLoop),
      memcpyOfBatch: round(memcpy),
      nsPerPixelCpu: {
        wasm: Number((1e9 / wasm.cpu / pixels).toFixed(3)),
        jsPacked: Number((1e9 / jsPacked.cpu / pixels).toFixed(3)),
        jsByteLoop: Number((1e9 / jsByteLoop.cpu / pixels).toFixed(3)),
      },
    });

    const peer = runPeer(size, 'arnold+xor');
    peers[String(size)] = 'error' in peer ? peer : { numpy: peer.numpy };
    for (const condition of CONDITIONS) {
      const mine = ours.get(condition)!;
      const theirs = 'error' in peer ? undefined : peer.results.find((r) => r.condition === condition);
      for (const op of ['encrypt', 'decrypt'] as const) {
        const strong = op === 'encrypt' ? theirs?.strongEncrypt : theirs?.strongDecrypt;
        const naive = op === 'encrypt' ? theirs?.naiveEncrypt : theirs?.naiveDecrypt;
        rows.push({
          size,
          condition,
          op,
          cipherlens: round(mine[op]),
          numpyStrong: round(strong),
          ratioVsStrong: ratio(mine[op], strong),
          numpyNaive: round(naive),
          ratioVsNaive: ratio(mine[op], naive),
          sameCiphertextAsNumpy: theirs ? theirs.cipherSha256 === mine.sha256 : null,
        });
      }
    }
  }

  const loadAfter = loadavg();
  const target64 = rows.filter((r) => r.size === 64 && r.condition === 'arnold+xor');
  const met = (kind: keyof Rate): boolean =>
    target64.every((r) => {
      const value = (r.ratioVsStrong as Rate | null)?.[kind];
      return value !== undefined && value >= 1;
    });
  const result = {
    bench: 'crypto',
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      logicalCores: cpus().length,
      node: process.version,
      loadAverageBefore: loadBefore.map((v) => Number(v.toFixed(2))),
      loadAverageAfter: loadAfter.map((v) => Number(v.toFixed(2))),
      note:
        'one core each: Node runs the kernels on its main thread (WebAssembly, SIMD for XOR), NumPy with ' +
        `OMP/BLAS threads = 1. Rates are images/s, best of ${REPEATS}, per wall second and per CPU second of the process.`,
    },
    imagesPerBatch: COUNT,
    repeats: REPEATS,
    peers,
    target: {
      rule: 'at least the strong NumPy peer at 64×64 (arnold+xor, encrypt and decrypt)',
      metByCpuTime: met('cpu'),
      metByWallTime: met('wall'),
    },
    results: rows,
    breakdown,
  };
  const out = join(here, 'results/crypto.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);

  const show = (rate: unknown): string => {
    const r = rate as Rate | null;
    return r ? `${r.cpu} (${r.wall})` : '—';
  };
  const lines = [
    `load ${loadBefore.map((v) => v.toFixed(2)).join(' ')} → ${loadAfter.map((v) => v.toFixed(2)).join(' ')}`,
    'images/s per CPU second (per wall second)',
    'size condition  op      cipherlens              numpy strong            ratio            numpy naive        same',
  ];
  for (const r of rows) {
    lines.push(
      [
        String(r.size).padEnd(4),
        String(r.condition).padEnd(11),
        String(r.op).padEnd(7),
        show(r.cipherlens).padEnd(23),
        show(r.numpyStrong).padEnd(23),
        show(r.ratioVsStrong).padEnd(16),
        show(r.numpyNaive).padEnd(18),
        String(r.sameCiphertextAsNumpy ?? '—'),
      ].join(' '),
    );
  }
  process.stdout.write(`${lines.join('\n')}\nwrote ${out}\n`);
}
