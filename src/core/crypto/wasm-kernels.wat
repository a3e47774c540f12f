;; The batch kernels of the image cipher (src/core/crypto/wasm-kernels.ts loads them).
;; Build: `npm run wasm` assembles this file with wabt into wasm-kernels-binary.ts;
;; test/core/crypto/wasm-build.test.ts fails when that file is not the build of this one.
;; The gather reads four images per pass over the table (one table load per four pixels moved), and the XOR runs
;; 16 bytes at a time with SIMD over the chunk while it is still in cache. In V8 this measured about 3x the packed
;; JavaScript kernel for the gather and 5-10x for the XOR (bench/crypto.bench.ts).
;; Addresses are byte offsets into the instance memory; P = pixels per image.
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
)
