#!/usr/bin/env bash
# Rebuilds the committed wasi-libc kernel .wasm files from the C sources
# beside this script, the way toolchains build C programs: clang for
# wasm32-wasi at -O2 against wasi-libc, linked as a reactor (no `main`;
# exports `_initialize`, which the harness calls once, and `run`). Only
# needed after editing a kernel: `cargo bench` uses the committed .wasm.
#
# Needs clang, wasm-ld, wasi-libc and the wasm32 compiler-rt builtins
# (Debian 12: `apt-get install -y clang lld wasi-libc
# libclang-rt-14-dev-wasm32`; the sysroot is /usr, headers in
# /usr/include/wasm32-wasi, libraries in /usr/lib/wasm32-wasi).
#
# -mno-bulk-memory: the kernels and libc call memcpy/memset/memmove
# rather than using `memory.copy`/`memory.fill`, as with most wasi-libc
# builds in use; the harness's tests check that no bulk-memory instruction
# is left. The name section is kept (--strip-debug only), as toolchains
# leave it by default.
#
# Usage: benches/kernels/wasi/build.sh [CLANG]   (default: clang)
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${1:-clang}
OPT=${OPT:--O2}
OUT=${OUT:-.}
SUFFIX=${SUFFIX:-}

# OPT, OUT and SUFFIX let benches/corpus/build.sh build the same kernels at
# -O0 for the compile corpus.
for src in *.c; do
    name=${src%.c}
    out="$OUT/$name$SUFFIX.wasm"
    "$CLANG" --target=wasm32-wasi "$OPT" -mexec-model=reactor -mno-bulk-memory \
        -ffp-contract=off -Wall -Wextra -Werror \
        -Wl,--strip-debug -o "$out" "$src"
    echo "built $out ($(wc -c <"$out") bytes)"
done
