import { assembleWat } from './wasm-assembler.js';

/**
 * The batch kernels in WebAssembly: the gather reads four images per pass over the table (one table load per
 * four pixels moved), and the XOR runs 16 bytes at a time with SIMD over the chunk while it is still in cache.
 * In V8 this measured ≈ 3× the packed JavaScript kernel for the gather and ≈ 5–10× for the XOR (bench/).
 * Addresses are byte offsets into the instance's own memory; P = pixels per image.
 */
export const KERNEL_WAT = `
(module
  (memory (export "memory") 1)

  ;; target[k·P + i] = source[k·P + table[i]] for k < count
  (func (export "gather") (param $table i32) (param $source i32) (param $target i32) (param $P i32) (param $count i32)
    (local $image i32) (local $i i32) (local $from i32) (local $to i32) (local $P2 i32) (local $P3 i32)
    (local.set $P2 (i32.shl (local.get $P) (i32.const 1)))
    (local.set $P3 (i32.add (local.get $P2) (local.get $P)))
    (block $fours_done
      (loop $fours
        (br_if $fours_done (i32.gt_u (i32.add (local.get $image) (i32.const 4)) (local.get $count)))
        (local.set $i (i32.const 0))
        (loop $pixels
          (local.set $from (i32.add (local.get $source)
            (i32.load (i32.add (local.get $table) (i32.shl (local.get $i) (i32.const 2))))))
          (local.set $to (i32.add (local.get $target) (local.get $i)))
          (i32.store8 (local.get $to) (i32.load8_u (local.get $from)))
          (i32.store8 (i32.add (local.get $to) (local.get $P)) (i32.load8_u (i32.add (local.get $from) (local.get $P))))
          (i32.store8 (i32.add (local.get $to) (local.get $P2)) (i32.load8_u (i32.add (local.get $from) (local.get $P2))))
          (i32.store8 (i32.add (local.get $to) (local.get $P3)) (i32.load8_u (i32.add (local.get $from) (local.get $P3))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $pixels (i32.lt_u (local.get $i) (local.get $P))))
        (local.set $source (i32.add (local.get $source) (i32.shl (local.get $P) (i32.const 2))))
        (local.set $target (i32.add (local.get $target) (i32.shl (local.get $P) (i32.const 2))))
        (local.set $image (i32.add (local.get $image) (i32.const 4)))
        (br $fours)))
    (block $ones_done
      (loop $ones
        (br_if $ones_done (i32.ge_u (local.get $image) (local.get $count)))
        (local.set $i (i32.const 0))
        (loop $pixels_one
          (i32.store8 (i32.add (local.get $target) (local.get $i))
            (i32.load8_u (i32.add (local.get $source)
              (i32.load (i32.add (local.get $table) (i32.shl (local.get $i) (i32.const 2)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $pixels_one (i32.lt_u (local.get $i) (local.get $P))))
        (local.set $source (i32.add (local.get $source) (local.get $P)))
        (local.set $target (i32.add (local.get $target) (local.get $P)))
        (local.set $image (i32.add (local.get $image) (i32.const 1)))
        (br $ones))))

  ;; target[k·P + i] = source[k·P + i] ^ mask[i] for k < count; P a multiple of 16; in place allowed
  (func (export "xor") (param $mask i32) (param $source i32) (param $target i32) (param $P i32) (param $count i32)
    (local $image i32) (local $i i32)
    (block $done
      (loop $images
        (br_if $done (i32.ge_u (local.get $image) (local.get $count)))
        (local.set $i (i32.const 0))
        (loop $blocks
          (v128.store (i32.add (local.get $target) (local.get $i))
            (v128.xor (v128.load (i32.add (local.get $source) (local.get $i)))
                      (v128.load (i32.add (local.get $mask) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $blocks (i32.lt_u (local.get $i) (local.get $P))))
        (local.set $source (i32.add (local.get $source) (local.get $P)))
        (local.set $target (i32.add (local.get $target) (local.get $P)))
        (local.set $image (i32.add (local.get $image) (i32.const 1)))
        (br $images))))
)`;

interface KernelExports {
  memory: WebAssembly.Memory;
  gather(table: number, source: number, target: number, pixels: number, count: number): void;
  xor(mask: number, source: number, target: number, pixels: number, count: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (callers then use the JS kernels). */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = assembleWat(KERNEL_WAT);
      compiled =
        typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Largest image (pixels) the WebAssembly path takes: its memory cannot shrink, so huge images use JS. */
export const WASM_MAX_PIXELS = 1 << 20;
/** Images are staged through the instance memory in chunks of about this many bytes (stays in L2/L3). */
const CHUNK_BYTES = 512 * 1024;
const PAGE = 65536;

export function wasmKernelsAvailable(pixels: number): boolean {
  return pixels % 16 === 0 && pixels <= WASM_MAX_PIXELS && kernelModule() !== null;
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
    const module = kernelModule();
    if (!module || !wasmKernelsAvailable(pixels))
      throw new Error('WebAssembly kernels unavailable for this size');
    this.exports = new WebAssembly.Instance(module).exports as unknown as KernelExports;
    this.chunkImages = Math.max(1, Math.floor(CHUNK_BYTES / pixels));
    this.sourceOffset = 10 * pixels;
    this.targetOffset = this.sourceOffset + this.chunkImages * pixels;
    const needed = this.targetOffset + this.chunkImages * pixels;
    const memory = this.exports.memory;
    const missing = needed - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
    this.heap = new Uint8Array(memory.buffer);
  }

  /** Bytes of instance memory, for cache accounting. */
  get memoryBytes(): number {
    return this.heap.byteLength;
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
