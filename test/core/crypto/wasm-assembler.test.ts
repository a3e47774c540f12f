import { describe, expect, it } from 'vitest';
import { assembleWat } from '../../../src/core/crypto/wasm-assembler.js';
import { KERNEL_WAT } from '../../../src/core/crypto/wasm-kernels.js';

describe('wasm assembler', () => {
  it('assembles the kernels into a valid module with the expected exports', () => {
    const bytes = assembleWat(KERNEL_WAT);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map(
      (e) => `${e.kind}:${e.name}`,
    );
    expect(exports.sort()).toEqual(['function:gather', 'function:xor', 'memory:memory']);
  });

  it('encodes constants, loops, branches and offsets correctly', () => {
    // sum of i for i in [0, n), stored at address 8 (offset=8 on address 0), then read back
    const bytes = assembleWat(`
      (module (memory (export "memory") 1)
        (func (export "sum") (param $n i32) (local $i i32) (local $total i32)
          (block $done (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $total (i32.add (local.get $total) (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
          (i32.store offset=8 (i32.const 0) (local.get $total))
          (i32.store8 (i32.const 100) (i32.const -1))
          (i32.store (i32.const 104) (i32.const 300000))))`);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const { sum, memory } = instance.exports as { sum: (n: number) => void; memory: WebAssembly.Memory };
    sum(1000);
    const view = new DataView(memory.buffer);
    expect(view.getInt32(8, true)).toBe(499500);
    expect(view.getUint8(100)).toBe(255);
    expect(view.getInt32(104, true)).toBe(300000);
  });

  it('rejects what it does not support', () => {
    expect(() => assembleWat('(module (func (export "f") (f64.const 1)))')).toThrow(
      /unsupported instruction f64.const/,
    );
    expect(() => assembleWat('(module (func (export "f") (br $nowhere)))')).toThrow(/unknown label/);
    expect(() => assembleWat('(module (func (export "f") (local.get $x)))')).toThrow(/unknown local/);
    expect(() => assembleWat('(module (func')).toThrow(/missing \)|unexpected end/);
  });
});
