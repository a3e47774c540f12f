import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  assembleKernels,
  binaryModuleSource,
  BINARY_MODULE_PATH,
  WAT_PATH,
} from '../../../scripts/build-wasm.js';
import { buildImageCipher } from '../../../src/core/crypto/cipher.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { WASM_KERNELS_BASE64 } from '../../../src/core/crypto/wasm-kernels-binary.js';

describe('WebAssembly kernels', () => {
  it('the committed module is the wabt build of wasm-kernels.wat (run `npm run wasm` after editing it)', async () => {
    const built = await assembleKernels(await readFile(WAT_PATH, 'utf8'));
    expect(Buffer.from(WASM_KERNELS_BASE64, 'base64').equals(Buffer.from(built))).toBe(true);
    expect(await readFile(BINARY_MODULE_PATH, 'utf8')).toBe(binaryModuleSource(built));
  });

  it('exports the memory and the three kernels', () => {
    const module = new WebAssembly.Module(Buffer.from(WASM_KERNELS_BASE64, 'base64'));
    const exports = WebAssembly.Module.exports(module).map((e) => `${e.kind}:${e.name}`);
    expect(exports.sort()).toEqual([
      'function:gather',
      'function:npcr_uaci',
      'function:xor',
      'memory:memory',
    ]);
  });

  it('a source that does not assemble is an error', async () => {
    await expect(assembleKernels('(module (func (export "f") (br $nowhere)))')).rejects.toThrow();
  });

  it('the ciphers of the shipped sizes run on WebAssembly, not on a silent JavaScript fallback', () => {
    const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i));
    for (const size of [28, 64]) {
      for (const condition of ['arnold+xor', 'arnold', 'xor'] as const) {
        const previous = process.env.CIPHERLENS_KERNEL;
        delete process.env.CIPHERLENS_KERNEL;
        try {
          expect(buildImageCipher(key, condition, size).kernel).toBe('wasm');
        } finally {
          if (previous !== undefined) process.env.CIPHERLENS_KERNEL = previous;
        }
      }
    }
  });
});
