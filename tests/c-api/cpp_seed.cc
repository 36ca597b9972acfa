// Wasmtime 50's C++ API (`wasmtime.hh`, header-only over the C API) on
// libegret: an engine and a store, a module from text, host functions
// defined in a linker (typed with `func_wrap`, untyped with `func_new`,
// one failing with a message), instantiation, calls, traps with their
// messages and codes, value types, and reading and writing memory.
#include <wasmtime.hh>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace wasmtime;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                   #cond);                                                     \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

static const char *const WAT = R"(
(module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "scale" (func $scale (param i64) (result i64)))
  (import "host" "refuse" (func $refuse))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasm")
  (func (export "run") (param i32) (result i32)
    (call $add (local.get 0) (i32.const 100)))
  (func (export "triple") (param i64) (result i64)
    (call $scale (local.get 0)))
  (func (export "store") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func (export "crash") (unreachable))
  (func (export "ask") (call $refuse)))
)";

// The export `name`, which must be a function.
static Func func_export(Store &store, Instance &instance, const char *name) {
  auto item = instance.get(store, name);
  CHECK(item && std::holds_alternative<Func>(*item));
  return std::get<Func>(*item);
}

int main() {
  Engine engine;
  Store store(engine);
  auto module = Module::compile(engine, WAT).unwrap();
  CHECK(module.imports().size() == 3);

  // Value types, through `wasmtime_valtype_new` and friends.
  ValType i32 = ValType::i32();
  CHECK(i32.is_i32() && !i32.is_i64());
  ValType v128 = ValType::v128();
  CHECK(v128.is_v128());
  ValType copy = i32;
  CHECK(copy == i32 && !(copy == v128));
  copy = v128;
  CHECK(copy.is_v128());

  Linker linker(engine);
  int adds = 0;
  linker
      .func_wrap("host", "add",
                 [&adds](int32_t a, int32_t b) -> int32_t {
                   adds++;
                   return a + b;
                 })
      .unwrap();
  FuncType scale_type({ValType::i64()}, {ValType::i64()});
  linker
      .func_new("host", "scale", scale_type,
                [](Caller, Span<const Val> args,
                   Span<Val> results) -> Result<std::monostate, Trap> {
                  results[0] = Val(args[0].i64() * 3);
                  return std::monostate();
                })
      .unwrap();
  FuncType nothing({}, {});
  linker
      .func_new("host", "refuse", nothing,
                [](Caller, Span<const Val>,
                   Span<Val>) -> Result<std::monostate, Trap> {
                  return Trap("the host refuses");
                })
      .unwrap();
  auto instance = linker.instantiate(store, module).unwrap();

  // Calls, through a typed host function and an untyped one.
  Func run = func_export(store, instance, "run");
  auto results = run.call(store, {Val(int32_t(23))}).unwrap();
  CHECK(results.size() == 1 && results[0].i32() == 123 && adds == 1);
  Func triple = func_export(store, instance, "triple");
  results = triple.call(store, {Val(int64_t(14))}).unwrap();
  CHECK(results.size() == 1 && results[0].i64() == 42);

  // A trap, with its message and code.
  Func crash = func_export(store, instance, "crash");
  auto crashed = crash.call(store, {});
  CHECK(!crashed);
  TrapError failure = crashed.err();
  CHECK(failure.message().find("unreachable") != std::string::npos);
  const Trap *trap = std::get_if<Trap>(&failure.data);
  CHECK(trap != nullptr);
  CHECK(trap->code() == WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED);

  // A host function failing with a message.
  Func ask = func_export(store, instance, "ask");
  auto refused = ask.call(store, {});
  CHECK(!refused);
  CHECK(refused.err().message().find("the host refuses") != std::string::npos);

  // Memory: what the data segment wrote, and what wasm stores.
  auto item = instance.get(store, "memory");
  CHECK(item && std::holds_alternative<Memory>(*item));
  Memory memory = std::get<Memory>(*item);
  CHECK(memory.size(store) == 1);
  Span<uint8_t> data = memory.data(store);
  CHECK(data.size() == 65536);
  std::string text(reinterpret_cast<const char *>(data.data()) + 16, 15);
  CHECK(text == "hello from wasm");
  Func store_fn = func_export(store, instance, "store");
  store_fn.call(store, {Val(int32_t(64)), Val(int32_t(0x01020304))}).unwrap();
  data = memory.data(store);
  CHECK(data[64] == 4 && data[65] == 3 && data[66] == 2 && data[67] == 1);

  std::printf("ok\n");
  return 0;
}
