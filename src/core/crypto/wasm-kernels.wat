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
  ;; Differential metrics of image pairs: for k < count, out[2k] = #{i : a[k·P + i] ≠ b[k·P + i]} and
  ;; out[2k + 1] = Σ |a[k·P + i] − b[k·P + i]| (i32 each). P a multiple of 16. |a − b| of bytes is
  ;; sub_sat(a, b) | sub_sat(b, a); its 16 bytes widen pairwise into four i32 lanes (each ≤ 1020 per block, so
  ;; a lane stays below 2^31 for any P ≤ 2^21). The changed count is the popcount of the inequality bitmask.
  (func (export "npcr_uaci") (param $a i32) (param $b i32) (param $P i32) (param $count i32) (param $out i32)
    (local $image i32) (local $i i32) (local $changed i32) (local $sum v128) (local $va v128) (local $vb v128)
    (block $done
      (loop $images
        (br_if $done (i32.ge_u (local.get $image) (local.get $count)))
        (local.set $i (i32.const 0))
        (local.set $changed (i32.const 0))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (loop $blocks
          (local.set $va (v128.load (i32.add (local.get $a) (local.get $i))))
          (local.set $vb (v128.load (i32.add (local.get $b) (local.get $i))))
          (local.set $changed (i32.add (local.get $changed)
            (i32.popcnt (i8x16.bitmask (v128.not (i8x16.eq (local.get $va) (local.get $vb)))))))
          (local.set $sum (i32x4.add (local.get $sum)
            (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u
              (v128.or (i8x16.sub_sat_u (local.get $va) (local.get $vb))
                       (i8x16.sub_sat_u (local.get $vb) (local.get $va)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $blocks (i32.lt_u (local.get $i) (local.get $P))))
        (i32.store (local.get $out) (local.get $changed))
        (i32.store offset=4 (local.get $out)
          (i32.add (i32.add (i32x4.extract_lane 0 (local.get $sum)) (i32x4.extract_lane 1 (local.get $sum)))
                   (i32.add (i32x4.extract_lane 2 (local.get $sum)) (i32x4.extract_lane 3 (local.get $sum)))))
        (local.set $a (i32.add (local.get $a) (local.get $P)))
        (local.set $b (i32.add (local.get $b) (local.get $P)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $image (i32.add (local.get $image) (i32.const 1)))
        (br $images))))
)
