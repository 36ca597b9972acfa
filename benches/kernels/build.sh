#!/usr/bin/env bash
# Rebuilds the committed kernel .wasm files from the C sources beside this
# script. Only needed after editing a kernel: `cargo bench` uses the
# committed .wasm files and needs no wasm toolchain.
#
# Needs clang and wasm-ld with the wasm32 target (Debian/Ubuntu):
#   apt-get update && apt-get install -y clang lld
# The kernels use no libc and import nothing, so wasi-libc and the wasm32
# compiler-rt are not needed (-nostdlib); a kernel that pulls in a libc or
# compiler-rt symbol fails to link here, which is what we want.
#
# Usage: benches/kernels/build.sh [CLANG]   (default: clang)
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${1:-clang}

for src in *.c; do
    name=${src%.c}
    "$CLANG" --target=wasm32-unknown-unknown -O2 -nostdlib -ffreestanding \
        -mbulk-memory -ffp-contract=off -Wall -Wextra -Werror \
        -Wl,--no-entry -Wl,--strip-all -Wl,--gc-sections \
        -o "$name.wasm" "$src"
    echo "built $name.wasm ($(wc -c <"$name.wasm") bytes)"
done
