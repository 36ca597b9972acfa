//! One kernel built twice, for a 32-bit and for a 64-bit memory: an
//! integer matrix multiply whose addresses are computed in the memory's
//! index type, as a compiler targeting wasm32 or wasm64 would emit it. It
//! measures what 64-bit addressing costs (explicit bounds checks instead
//! of the guard region); both builds compute the same checksum.

/// The index type of the kernel's memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IndexType {
    /// `(memory 16)`: addresses are `i32`.
    I32,
    /// `(memory i64 16)`: addresses are `i64`.
    I64,
}

/// The problem size the benchmark uses (a 128×128 multiply).
pub const N: u32 = 128;

/// `run(n) -> checksum`: fills two `n`×`n` `i32` matrices, multiplies
/// them (i-j-k order) and folds the product into a checksum. `n` may be
/// at most 200 (three matrices in 16 pages).
const TEMPLATE: &str = r#"(module
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

/// The kernel's module text for a memory of `index` type.
pub fn matmul_wat(index: IndexType) -> String {
    let (idx, extend, wrap) = match index {
        // A block around the operand: the same text, nothing to convert.
        IndexType::I32 => ("i32", "block (result i32)", "block (result i32)"),
        IndexType::I64 => ("i64", "i64.extend_i32_u", "i32.wrap_i64"),
    };
    TEMPLATE
        .replace("IDX", idx)
        .replace("EXTEND", extend)
        .replace("WRAP", wrap)
}

/// The checksum `run(n)` computes, in Rust.
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
