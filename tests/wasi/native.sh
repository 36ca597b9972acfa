#!/bin/bash
# Builds the test programs natively with gcc, runs them with the same
# arguments, environment and input that crates/wasi/tests/programs.rs gives
# them under Egret, and writes what they print to tests/wasi/expected/.
# Run it after changing a program; `git diff tests/wasi/expected` then
# shows whether native behaviour changed. (sandbox_probe is WASI-only.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
expected="$here/expected"
mkdir -p "$expected"
for p in args_env cat clock_random file_io sort_lines; do
    gcc -O2 -Wall -Wextra -o "$work/$p" "$here/src/$p.c"
done

status() { echo "exit $1" >> "$2"; }

set +e
# Under WASI argv[0] is what the embedder passes: "args_env".
env -i GREETING=hello B=2 A=1=one "$work/args_env" one "two words" ünïcödé > "$work/args_env.out"
status=$?
sed 's|^argv\[0\]=.*|argv[0]=args_env|' "$work/args_env.out" > "$expected/args_env.txt"
status $status "$expected/args_env.txt"

"$work/cat" < "$here/data/cat_input.txt" > "$work/cat.out" 2> "$expected/cat.stderr.txt"
status $? "$expected/cat.stderr.txt"
cmp "$work/cat.out" "$here/data/cat_input.txt"

"$work/clock_random" > "$expected/clock_random.txt"
status $? "$expected/clock_random.txt"

mkdir "$work/dir"
"$work/file_io" "$work/dir" > "$expected/file_io.txt"
status $? "$expected/file_io.txt"

mkdir "$work/sort"
cp "$here/data/unsorted.txt" "$work/sort/in.txt"
(cd "$work/sort" && "$work/sort_lines" in.txt out.txt) > "$expected/sort_lines.txt"
status $? "$expected/sort_lines.txt"
cp "$work/sort/out.txt" "$expected/sorted.txt"
echo "expected outputs written to $expected"
