import { createCipheriv, createHmac } from 'node:crypto';
import { assertSupportedSize } from './arnold.js';
import { deriveSubkey } from './subkeys.js';

/**
 * Keyed uniform permutation of the N² pixels: Fisher–Yates driven by AES-256-CTR under the HKDF
 * "uniform-permutation" sub-key (a key of its own, so it shares nothing with the XOR keystream). Any of the
 * (N²)! permutations can come out, against at most |SL2(Z/N)| for the Arnold cat map (docs/security.md), so the
 * SL2 enumeration attacks do not apply; the general permutation-only attack of Li et al. (2008) still does.
 *
 * Spec (docs/encryption.md): stream = AES-256-CTR(sub-key, IV = u32be(N) ‖ u32be(N) ‖ 8 zero bytes) over zero
 * bytes, read as consecutive big-endian u32 words. t = [0, 1, …, N²−1]; for i = N²−1 down to 1: m = i + 1, draw
 * words until x < 2³² − (2³² mod m), j = x mod m, swap t[i] and t[j]. The gather table is t: cipher[w] =
 * plain[t[w]]. Parameters id = first 16 hex of HMAC-SHA256(sub-key, "uniform-permutation-v1:" + N).
 */
export interface UniformPlan {
  size: number;
  gather: Int32Array;
  parametersId: string;
}

/** Bytes of keystream generated per AES call: large enough to amortise the call, small enough to stay in cache. */
const CHUNK_BYTES = 64 * 1024;
const TWO_32 = 0x1_0000_0000;

export function buildUniformPlan(masterKey: Uint8Array, size: number): UniformPlan {
  assertSupportedSize(size);
  const subkey = deriveSubkey(masterKey, 'uniform-permutation');
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(size, 0);
  iv.writeUInt32BE(size, 4);
  const aes = createCipheriv('aes-256-ctr', subkey, iv);
  const pixels = size * size;
  // About one word per pixel is drawn (rejections are rare), so small images need far less than a full chunk;
  // the stream is the same however it is cut into chunks.
  const zeros = Buffer.alloc(Math.min(CHUNK_BYTES, 4 * pixels + 64));
  let chunk = aes.update(zeros);
  let offset = 0;
  const nextWord = (): number => {
    if (offset + 4 > chunk.length) {
      chunk = aes.update(zeros);
      offset = 0;
    }
    const word = chunk.readUInt32BE(offset);
    offset += 4;
    return word;
  };
  const gather = new Int32Array(pixels);
  for (let i = 0; i < pixels; i++) gather[i] = i;
  for (let i = pixels - 1; i >= 1; i--) {
    const m = i + 1;
    // Rejection keeps j exactly uniform: the top (2³² mod m) values would favour small residues.
    const limit = TWO_32 - (TWO_32 % m);
    let x = nextWord();
    while (x >= limit) x = nextWord();
    const j = x % m;
    const swap = gather[i]!;
    gather[i] = gather[j]!;
    gather[j] = swap;
  }
  const parametersId = createHmac('sha256', subkey)
    .update(`uniform-permutation-v1:${size}`)
    .digest('hex')
    .slice(0, 16);
  return { size, gather, parametersId };
}
