//! The GC figure (issue #16): three kernels written in WebAssembly GC,
//! each an export `run(n) -> i32` of one module, with a checksum the host
//! recomputes.
//!
//! - `binary_trees(depth)`: the benchmarks-game program without its
//!   long-lived tree: for each depth from 4 to `depth` in steps of 2,
//!   `2^(depth - d + 4)` trees of that depth are built and their nodes
//!   counted; every tree dies as soon as it is counted, so the collector
//!   must reclaim it for the heap to stay small.
//! - `array_sum(n)`: a mutable `i32` array of `n` elements written and
//!   read back ten times (`array.new_default`, `array.set`, `array.get`,
//!   `array.len`): the cost of bounds-checked element access.
//! - `alloc(n)`: `n` two-field structs that die at once, the newest kept
//!   in a local: allocation throughput.

/// One kernel of the module.
#[derive(Copy, Clone, Debug)]
pub struct GcKernel {
    /// Export and table name.
    pub name: &'static str,
    /// The argument the benchmark runs it with.
    pub n: u32,
    /// The expected result of `run(n)`.
    pub checksum: fn(u32) -> u32,
}

/// The kernels, in table order.
pub const KERNELS: [GcKernel; 3] = [
    GcKernel {
        name: "binary_trees",
        n: 18,
        checksum: binary_trees_checksum,
    },
    GcKernel {
        name: "array_sum",
        n: 100_000,
        checksum: array_sum_checksum,
    },
    GcKernel {
        name: "alloc",
        n: 1_000_000,
        checksum: alloc_checksum,
    },
];

/// Nodes in a perfect binary tree of depth `depth` (a leaf has depth 0).
fn nodes(depth: u32) -> u32 {
    (1 << (depth + 1)) - 1
}

/// What `binary_trees(max_depth)` returns: the total node count, wrapping.
pub fn binary_trees_checksum(max_depth: u32) -> u32 {
    let mut total = 0u32;
    let mut depth = 4;
    while depth <= max_depth {
        let iterations = 1u32 << (max_depth - depth + 4);
        total = total.wrapping_add(iterations.wrapping_mul(nodes(depth)));
        depth += 2;
    }
    total
}

/// What `array_sum(n)` returns: ten passes writing `i * pass` and summing.
pub fn array_sum_checksum(n: u32) -> u32 {
    let mut total = 0u32;
    for pass in 1..=10u32 {
        for i in 0..n {
            total = total.wrapping_add(i.wrapping_mul(pass));
        }
    }
    total
}

/// What `alloc(n)` returns: the sum of the counters stored.
pub fn alloc_checksum(n: u32) -> u32 {
    (0..n).fold(0u32, |total, i| total.wrapping_add(i))
}

/// The module's text.
pub fn gc_wat() -> String {
    r#"(module
  (type $node (struct (field $left (ref null $node)) (field $right (ref null $node))))
  (type $ints (array (mut i32)))
  (type $pair (struct (field $value i32) (field $previous (ref null $pair))))

  (func $tree (param $depth i32) (result (ref $node))
    (if (result (ref $node)) (i32.eqz (local.get $depth))
      (then (struct.new $node (ref.null $node) (ref.null $node)))
      (else
        (struct.new $node
          (call $tree (i32.sub (local.get $depth) (i32.const 1)))
          (call $tree (i32.sub (local.get $depth) (i32.const 1)))))))

  (func $count (param $t (ref null $node)) (result i32)
    (if (result i32) (ref.is_null (struct.get $node $left (local.get $t)))
      (then (i32.const 1))
      (else
        (i32.add (i32.const 1)
          (i32.add
            (call $count (struct.get $node $left (local.get $t)))
            (call $count (struct.get $node $right (local.get $t))))))))

  (func (export "binary_trees") (param $max i32) (result i32)
    (local $depth i32) (local $iterations i32) (local $total i32)
    (local.set $depth (i32.const 4))
    (block $done
      (loop $depths
        (br_if $done (i32.gt_u (local.get $depth) (local.get $max)))
        (local.set $iterations
          (i32.shl (i32.const 1)
            (i32.add (i32.sub (local.get $max) (local.get $depth)) (i32.const 4))))
        (loop $trees
          (local.set $total
            (i32.add (local.get $total) (call $count (call $tree (local.get $depth)))))
          (local.tee $iterations (i32.sub (local.get $iterations) (i32.const 1)))
          (br_if $trees))
        (local.set $depth (i32.add (local.get $depth) (i32.const 2)))
        (br $depths)))
    (local.get $total))

  (func (export "array_sum") (param $n i32) (result i32)
    (local $a (ref $ints)) (local $pass i32) (local $i i32) (local $total i32)
    (local.set $a (array.new_default $ints (local.get $n)))
    (local.set $pass (i32.const 1))
    (loop $passes
      (local.set $i (i32.const 0))
      (block $written
        (loop $write
          (br_if $written (i32.ge_u (local.get $i) (array.len (local.get $a))))
          (array.set $ints (local.get $a) (local.get $i)
            (i32.mul (local.get $i) (local.get $pass)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $write)))
      (local.set $i (i32.const 0))
      (block $read
        (loop $sum
          (br_if $read (i32.ge_u (local.get $i) (array.len (local.get $a))))
          (local.set $total
            (i32.add (local.get $total) (array.get $ints (local.get $a) (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $sum)))
      (br_if $passes
        (i32.le_u
          (local.tee $pass (i32.add (local.get $pass) (i32.const 1)))
          (i32.const 10))))
    (local.get $total))

  (func (export "alloc") (param $n i32) (result i32)
    (local $i i32) (local $total i32) (local $last (ref null $pair))
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; The previous pair is dropped: each dies when the next is made.
        (local.set $last (struct.new $pair (local.get $i) (ref.null $pair)))
        (local.set $total
          (i32.add (local.get $total) (struct.get $pair $value (local.get $last))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $more)))
    (local.get $total)))"#
        .to_string()
}

/// The module's binary.
pub fn gc_module() -> Vec<u8> {
    wat::parse_str(gc_wat()).expect("the GC kernels are valid text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_count_what_the_kernels_do() {
        // Depth 4 only: 16 trees of 31 nodes.
        assert_eq!(binary_trees_checksum(4), 16 * 31);
        // Depths 4 and 6: 64 trees of 31 nodes, 16 of 127.
        assert_eq!(binary_trees_checksum(6), 64 * 31 + 16 * 127);
        assert_eq!(
            array_sum_checksum(3),
            3 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10)
        );
        assert_eq!(alloc_checksum(4), 6);
        assert!(!gc_module().is_empty());
    }
}
