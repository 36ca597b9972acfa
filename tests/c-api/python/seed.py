"""The seed's sections in Python: the `wasmtime` package (50.0.1), whose
bundled `_libwasmtime.so` has been replaced by `libegret.so`, creates
instances, keeps their state apart, ties items to their store, shares a
store between modules, and reports errors (a NULL store and a NULL module
through the package's own C bindings, a trap, bad text). Prints one line
per section; `crates/c-api/tests/python.rs` runs it."""

import ctypes

import wasmtime
from wasmtime import Engine, Instance, Linker, Module, Store, Trap, WasmtimeError
from wasmtime import _bindings as c

engine = Engine()
store = Store(engine)
module = Module(engine, """
(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "bump") (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (global.get $n)))
""")


def error_message(error):
    return str(WasmtimeError._from_ptr(error))


# Create instances.
instance = Instance(store, module, [])
add = instance.exports(store)["add"]
assert add(store, 2, 3) == 5
print("create instances: ok")

# Isolated state: two instances, separate globals and memories.
a = Instance(store, module, [])
b = Instance(store, module, [])
bump_a = a.exports(store)["bump"]
bump_b = b.exports(store)["bump"]
assert (bump_a(store), bump_a(store), bump_b(store)) == (1, 2, 1)
memory_a = a.exports(store)["memory"]
memory_b = b.exports(store)["memory"]
memory_a.write(store, b"abc", 0)
assert memory_a.read(store, 0, 3) == b"abc"
assert memory_b.read(store, 0, 3) == b"\0\0\0"
print("isolated state: ok")

# Store association: a function of one store called with another is an
# error. (The package asks for the function's type first, which has no
# error path in C: it gets NULL and raises, where Wasmtime aborts.)
other = Store(engine)
trap = ctypes.POINTER(c.wasm_trap_t)()
results = (c.wasmtime_val_t * 1)()
error = c.wasmtime_func_call(other._context(), ctypes.byref(add._func), None, 0,
                             results, 1, ctypes.byref(trap))
assert "wrong store" in error_message(error)
try:
    add(other, 1, 2)
    raise AssertionError("a function of another store was called")
except (WasmtimeError, ValueError):
    pass
print("store association: ok")

# Shared store: one module's memory imported by another through a linker.
linker = Linker(engine)
owner = linker.instantiate(store, Module(engine, """
(module
  (memory (export "memory") 1)
  (func (export "read") (result i32) (i32.load (i32.const 16))))"""))
linker.define_instance(store, "owner", owner)
writer = linker.instantiate(store, Module(engine, """
(module
  (import "owner" "memory" (memory 1))
  (func (export "write") (param i32) (i32.store (i32.const 16) (local.get 0))))"""))
writer.exports(store)["write"](store, 1234)
assert owner.exports(store)["read"](store) == 1234
print("shared store: ok")

# Error handling: a NULL store and a NULL module, a trap, bad text, a
# failed link.
out = c.wasmtime_instance_t()
error = c.wasmtime_instance_new(None, module.ptr(), None, 0, ctypes.byref(out),
                                ctypes.byref(trap))
assert "invalid store: null pointer" in error_message(error)
error = c.wasmtime_instance_new(store._context(), None, None, 0, ctypes.byref(out),
                                ctypes.byref(trap))
assert "invalid module: null pointer" in error_message(error)
crash = Instance(store, Module(engine, '(module (func (export "f") unreachable))'), [])
try:
    crash.exports(store)["f"](store)
    raise AssertionError("no trap")
except Trap as t:
    assert t.trap_code == wasmtime.TrapCode.UNREACHABLE, t.trap_code
try:
    Module(engine, "(module (func (i32.nope)))")
    raise AssertionError("bad text accepted")
except WasmtimeError:
    pass
try:
    Linker(engine).instantiate(store, Module(engine, '(module (import "m" "f" (func)))'))
    raise AssertionError("a missing import was linked")
except WasmtimeError as e:
    assert "m" in str(e)
print("error handling: ok")
