#!/bin/sh
# Rebuilds the WASI test programs: tests/wasi/src/*.c -> tests/wasi/bin/*.wasm.
#
# Needs clang with the wasm32 target, lld, wasi-libc and the wasm32
# compiler runtime; on Debian/Ubuntu:
#   apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32
# The built .wasm files are committed, so `cargo test` needs none of this.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC_WASI:-clang}
mkdir -p "$here/bin"
for src in "$here"/src/*.c; do
    name=$(basename "$src" .c)
    "$cc" --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-debug \
        "$src" -o "$here/bin/$name.wasm"
    echo "built bin/$name.wasm ($(wc -c < "$here/bin/$name.wasm") bytes)"
done
