//! Kernels built twice, for a 32-bit and for a 64-bit memory, whose
//! addresses are computed in the memory's index type, as a compiler
//! targeting wasm32 or wasm64 would emit them. They measure what 64-bit
//! addressing costs (explicit bounds checks instead of the guard region);
//! both builds of a kernel compute the same checksum. Two kernels:
//!
//! - `matmul`: an integer matrix multiply, arithmetic around its loads;
//! - `bytes`: byte-wise fill, reversed copy and FNV-1a hash of a buffer,
//!   almost nothing but one-byte loads and stores, so the bounds check is
//!   a large part of every step.

/// The index type of the kernel's memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IndexType {
    /// `(memory 16)`: addresses are `i32`.
    I32,
    /// `(memory i64 16)`: addresses are `i64`.
    I64,
}

/// A kernel built for either index type.
pub struct Kernel64 {
    /// Its name in tables.
    pub name: &'static str,
    /// The `n` the benchmark passes to `run(n)`.
    pub n: u32,
    /// Its module text for a memory of that index type.
    pub wat: fn(IndexType) -> String,
    /// What `run(n)` returns, computed in Rust.
    pub checksum: fn(u32) -> u32,
}

/// The kernels, in table order.
pub const KERNELS: [Kernel64; 2] = [
    Kernel64 {
        name: "matmul",
        n: 128,
        wat: matmul_wat,
        checksum: matmul_checksum,
    },
    Kernel64 {
        name: "bytes",
        n: 256 << 10,
        wat: bytes_wat,
        checksum: bytes_checksum,
    },
];

/// The text of a kernel's module for a memory of `index` type: `IDX` is
/// the index type, `EXTEND` turns an `i32` into it and `WRAP` back.
fn for_index_type(template: &str, index: IndexType) -> String {
    let (idx, extend, wrap) = match index {
        // A block around the operand: the same text, nothing to convert.
        IndexType::I32 => ("i32", "block (result i32)", "block (result i32)"),
        IndexType::I64 => ("i64", "i64.extend_i32_u", "i32.wrap_i64"),
    };
    template
        .replace("IDX", idx)
        .replace("EXTEND", extend)
        .replace("WRAP", wrap)
}

/// `run(n) -> checksum`: fills two `n`×`n` `i32` matrices, multiplies
/// them (i-j-k order) and folds the product into a checksum. `n` may be
/// at most 200 (three matrices in 16 pages).
const MATMUL: &str = r#"(module
  (memory (export "memory") IDX 16)
  (func (export "run") (param $n32 i32) (result i32)
    (local $n IDX) (local $nn IDX) (local $b IDX) (local $c IDX)
    (local $i IDX) (local $j IDX) (local $k IDX) (local $sum i32) (local $check i32)
    (local.set $n (EXTEND (local.get $n32)))
    (local.set $nn (IDX.mul (local.get $n) (local.get $n)))
    (local.set $b (IDX.shl (local.get $nn) (IDX.const 2)))
    (local.set $c (IDX.shl (local.get $b) (IDX.const 1)))
    ;; A[i] = 7i + 1 at 0, B[i] = i ^ 5 at $b.
    (local.set $i (IDX.const 0))
    (block $filled (loop $fill
      (br_if $filled (IDX.ge_u (local.get $i) (local.get $nn)))
      (i32.store (IDX.shl (local.get $i) (IDX.const 2))
        (i32.add (i32.mul (WRAP (local.get $i)) (i32.const 7)) (i32.const 1)))
      (i32.store (IDX.add (local.get $b) (IDX.shl (local.get $i) (IDX.const 2)))
        (i32.xor (WRAP (local.get $i)) (i32.const 5)))
      (local.set $i (IDX.add (local.get $i) (IDX.const 1)))
      (br $fill)))
    ;; C = A B at $c.
    (local.set $i (IDX.const 0))
    (block $rows_done (loop $rows
      (br_if $rows_done (IDX.ge_u (local.get $i) (local.get $n)))
      (local.set $j (IDX.const 0))
      (block $cols_done (loop $cols
        (br_if $cols_done (IDX.ge_u (local.get $j) (local.get $n)))
        (local.set $sum (i32.const 0))
        (local.set $k (IDX.const 0))
        (block $dot_done (loop $dot
          (br_if $dot_done (IDX.ge_u (local.get $k) (local.get $n)))
          (local.set $sum (i32.add (local.get $sum) (i32.mul
            (i32.load (IDX.shl
              (IDX.add (IDX.mul (local.get $i) (local.get $n)) (local.get $k))
              (IDX.const 2)))
            (i32.load (IDX.add (local.get $b) (IDX.shl
              (IDX.add (IDX.mul (local.get $k) (local.get $n)) (local.get $j))
              (IDX.const 2)))))))
          (local.set $k (IDX.add (local.get $k) (IDX.const 1)))
          (br $dot)))
        (i32.store (IDX.add (local.get $c) (IDX.shl
            (IDX.add (IDX.mul (local.get $i) (local.get $n)) (local.get $j))
            (IDX.const 2)))
          (local.get $sum))
        (local.set $j (IDX.add (local.get $j) (IDX.const 1)))
        (br $cols)))
      (local.set $i (IDX.add (local.get $i) (IDX.const 1)))
      (br $rows)))
    ;; Fold C into the checksum.
    (local.set $i (IDX.const 0))
    (block $folded (loop $fold
      (br_if $folded (IDX.ge_u (local.get $i) (local.get $nn)))
      (local.set $check (i32.add (i32.rotl (local.get $check) (i32.const 5))
        (i32.load (IDX.add (local.get $c) (IDX.shl (local.get $i) (IDX.const 2))))))
      (local.set $i (IDX.add (local.get $i) (IDX.const 1)))
      (br $fold)))
    (local.get $check)))"#;

/// The matrix multiply's module text for a memory of `index` type.
pub fn matmul_wat(index: IndexType) -> String {
    for_index_type(MATMUL, index)
}

/// The checksum the matrix multiply's `run(n)` computes, in Rust.
pub fn matmul_checksum(n: u32) -> u32 {
    let n = n as usize;
    let a: Vec<u32> = (0..n * n).map(|i| (i as u32).wrapping_mul(7) + 1).collect();
    let b: Vec<u32> = (0..n * n).map(|i| i as u32 ^ 5).collect();
    let mut check = 0u32;
    for i in 0..n {
        for j in 0..n {
            let sum = (0..n).fold(0u32, |sum, k| {
                sum.wrapping_add(a[i * n + k].wrapping_mul(b[k * n + j]))
            });
            check = check.rotate_left(5).wrapping_add(sum);
        }
    }
    check
}

/// `run(n) -> hash`: fills `n` bytes at 0 from a linear congruential
/// generator, copies them in reverse order to `n..2n`, and returns the
/// FNV-1a hash of the copy. `n` may be at most 512 KiB (16 pages).
const BYTES: &str = r#"(module
  (memory (export "memory") IDX 16)
  (func (export "run") (param $n32 i32) (result i32)
    (local $n IDX) (local $end IDX) (local $i IDX) (local $x i32) (local $hash i32)
    (local.set $n (EXTEND (local.get $n32)))
    (local.set $end (IDX.shl (local.get $n) (IDX.const 1)))
    (local.set $x (i32.const 1))
    (local.set $i (IDX.const 0))
    (block $filled (loop $fill
      (br_if $filled (IDX.ge_u (local.get $i) (local.get $n)))
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store8 (local.get $i) (i32.shr_u (local.get $x) (i32.const 16)))
      (local.set $i (IDX.add (local.get $i) (IDX.const 1)))
      (br $fill)))
    ;; B[n - 1 - i] = A[i], B at n: the byte at 2n - 1 - i.
    (local.set $i (IDX.const 0))
    (block $copied (loop $copy
      (br_if $copied (IDX.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (IDX.sub (local.get $end) (IDX.add (local.get $i) (IDX.const 1)))
        (i32.load8_u (local.get $i)))
      (local.set $i (IDX.add (local.get $i) (IDX.const 1)))
      (br $copy)))
    (local.set $hash (i32.const 0x811c9dc5))
    (local.set $i (local.get $n))
    (block $hashed (loop $hash_next
      (br_if $hashed (IDX.ge_u (local.get $i) (local.get $end)))
      (local.set $hash (i32.mul
        (i32.xor (local.get $hash) (i32.load8_u (local.get $i)))
        (i32.const 16777619)))
      (local.set $i (IDX.add (local.get $i) (IDX.const 1)))
      (br $hash_next)))
    (local.get $hash)))"#;

/// The byte kernel's module text for a memory of `index` type.
pub fn bytes_wat(index: IndexType) -> String {
    for_index_type(BYTES, index)
}

/// The hash the byte kernel's `run(n)` computes, in Rust.
pub fn bytes_checksum(n: u32) -> u32 {
    let mut x = 1u32;
    let filled: Vec<u8> = (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect();
    filled.iter().rev().fold(0x811c_9dc5u32, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(16_777_619)
    })
}
