import { WASM_KERNELS_BASE64 } from './wasm-kernels-binary.js';

/**
 * The batch kernels in WebAssembly (source and notes: wasm-kernels.wat, built with wabt by `npm run wasm`).
 *
 * The WebAssembly JS API is typed here because TypeScript declares it only in lib.dom, which the Node layers do
 * not load (tsconfig.node.json), and @types/node 20 does not declare it; these are the members the kernels use.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  gather(table: number, source: number, target: number, pixels: number, count: number): void;
  xor(mask: number, source: number, target: number, pixels: number, count: number): void;
  npcr_uaci(a: number, b: number, pixels: number, count: number, out: number): void;
}

/**
 * Compiled once when the module loads: a build that does not compile (or a runtime without WebAssembly SIMD) is an
 * error at import, never a silent switch to the JavaScript kernels.
 */
const KERNEL_MODULE = new wasm.Module(Buffer.from(WASM_KERNELS_BASE64, 'base64'));

/** Largest image (pixels) the WebAssembly path takes: its memory cannot shrink, so huge images use JS. */
export const WASM_MAX_PIXELS = 1 << 20;
/** Images are staged through the instance memory in chunks of about this many bytes (stays in L2/L3). */
const CHUNK_BYTES = 512 * 1024;
const PAGE = 65536;

export function wasmKernelsAvailable(pixels: number): boolean {
  return pixels % 16 === 0 && pixels <= WASM_MAX_PIXELS;
}

/**
 * One instance per cipher, with the tables resident in its memory. Layout (bytes):
 * [table slot 0: 4P][table slot 1: 4P][mask slot 0: P][mask slot 1: P][source chunk][target chunk].
 * Slot 0 serves encryption, slot 1 decryption.
 */
export class WasmBatchKernel {
  private readonly exports: KernelExports;
  private readonly heap: Uint8Array;
  private readonly chunkImages: number;
  private readonly sourceOffset: number;
  private readonly targetOffset: number;

  constructor(private readonly pixels: number) {
    if (!wasmKernelsAvailable(pixels)) throw new Error(`WebAssembly kernels take no ${pixels}-pixel images`);
    this.exports = new wasm.Instance(KERNEL_MODULE).exports as KernelExports;
    this.chunkImages = Math.max(1, Math.floor(CHUNK_BYTES / pixels));
    this.sourceOffset = 10 * pixels;
    this.targetOffset = this.sourceOffset + this.chunkImages * pixels;
    const needed = this.targetOffset + this.chunkImages * pixels;
    const memory = this.exports.memory;
    const missing = needed - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
    this.heap = new Uint8Array(memory.buffer);
  }

  setTable(slot: 0 | 1, table: Int32Array): void {
    new Int32Array(this.heap.buffer, slot * 4 * this.pixels, this.pixels).set(table);
  }

  setMask(slot: 0 | 1, mask: Uint8Array): void {
    this.heap.set(mask, (8 + slot) * this.pixels);
  }

  /** Gathers through table `tableSlot` (if any), then XORs with mask `maskSlot` (if any). */
  run(
    source: Uint8Array,
    target: Uint8Array,
    count: number,
    tableSlot: 0 | 1 | null,
    maskSlot: 0 | 1 | null,
  ): void {
    const { pixels, heap, exports } = this;
    for (let first = 0; first < count; first += this.chunkImages) {
      const images = Math.min(this.chunkImages, count - first);
      const start = first * pixels;
      const bytes = images * pixels;
      heap.set(source.subarray(start, start + bytes), this.sourceOffset);
      let result = this.sourceOffset;
      if (tableSlot !== null) {
        exports.gather(tableSlot * 4 * pixels, this.sourceOffset, this.targetOffset, pixels, images);
        result = this.targetOffset;
      }
      if (maskSlot !== null) {
        exports.xor((8 + maskSlot) * pixels, result, this.targetOffset, pixels, images);
        result = this.targetOffset;
      }
      target.set(heap.subarray(result, result + bytes), start);
    }
  }
}

/**
 * NPCR/UACI sums over many image pairs at once (security metrics; core/security/differential.ts): changed pixels
 * and summed absolute differences per pair, 16 pixels per SIMD step. Pairs are staged through the instance memory
 * in chunks of about CHUNK_BYTES per side; the caller owns the instance and may reuse it for many batches.
 */
export class WasmDifferentialKernel {
  private readonly exports: KernelExports;
  private readonly heap: Uint8Array;
  private readonly results: Int32Array;
  private readonly chunkImages: number;
  private readonly bOffset: number;
  private readonly outOffset: number;

  constructor(readonly pixels: number) {
    if (!wasmKernelsAvailable(pixels)) throw new Error(`WebAssembly kernels take no ${pixels}-pixel images`);
    this.exports = new wasm.Instance(KERNEL_MODULE).exports as KernelExports;
    this.chunkImages = Math.max(1, Math.floor(CHUNK_BYTES / pixels));
    this.bOffset = this.chunkImages * pixels;
    this.outOffset = 2 * this.chunkImages * pixels;
    const needed = this.outOffset + 8 * this.chunkImages;
    const memory = this.exports.memory;
    const missing = needed - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
    this.heap = new Uint8Array(memory.buffer);
    this.results = new Int32Array(memory.buffer, this.outOffset, 2 * this.chunkImages);
  }

  /** For pair k < count: changed[k] = pixels that differ, absolute[k] = Σ |a − b| over the pair. */
  run(a: Uint8Array, b: Uint8Array, count: number, changed: Uint32Array, absolute: Uint32Array): void {
    const { pixels, heap, results } = this;
    for (let first = 0; first < count; first += this.chunkImages) {
      const images = Math.min(this.chunkImages, count - first);
      const start = first * pixels;
      heap.set(a.subarray(start, start + images * pixels), 0);
      heap.set(b.subarray(start, start + images * pixels), this.bOffset);
      this.exports.npcr_uaci(0, this.bOffset, pixels, images, this.outOffset);
      for (let k = 0; k < images; k++) {
        changed[first + k] = results[2 * k]!;
        absolute[first + k] = results[2 * k + 1]!;
      }
    }
  }
}
