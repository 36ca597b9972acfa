//! Inspecting modules and instances as Wasmtime does (`Module::imports`
//! and `exports` with `ImportType`, `ExportType` and `ExternType`,
//! `Instance::exports` and its `Export<'_>`), and linear memory from the host
//! (`Memory::read`/`write`/`data`/`data_mut`/`data_size`/`data_ptr`/`grow`).

use wasmtime::{
    Engine, Export, Extern, ExternType, Instance, Linker, Memory, MemoryType, Module, Mutability,
    Store, ValType,
};

const MODULE: &str = r#"
(module $inspect
  (import "env" "print" (func (param i32 i64) (result f32)))
  (import "env" "memory" (memory 1 4))
  (import "env" "limit" (global (mut i64)))
  (import "env" "table" (table 2 funcref))
  (memory (export "scratch") 1 3)
  (global (export "version") i32 (i32.const 3))
  (global (export "counter") (mut f64) (f64.const 0.5))
  (table (export "callbacks") 4 externref)
  (func (export "sum") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill 1 (local.get 0) (local.get 1) (local.get 2)))
  (data (memory 1) (i32.const 16) "hello"))
"#;

/// One line describing an extern type.
fn describe(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(f) => {
            let params: Vec<String> = f.params().map(|p| p.to_string()).collect();
            let results: Vec<String> = f.results().map(|r| r.to_string()).collect();
            format!("func ({}) -> ({})", params.join(", "), results.join(", "))
        }
        ExternType::Global(g) => format!(
            "global {} {}",
            match g.mutability() {
                Mutability::Const => "const",
                Mutability::Var => "var",
            },
            g.content()
        ),
        ExternType::Memory(m) => format!(
            "memory {}..{:?} pages (64-bit: {})",
            m.minimum(),
            m.maximum(),
            m.is_64()
        ),
        ExternType::Table(t) => format!(
            "table {}..{:?} of {}",
            t.minimum(),
            t.maximum(),
            t.element()
        ),
        ExternType::Tag(_) => "tag".to_string(),
    }
}

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE)?;
    println!("module name: {:?}", module.name());
    println!("{} imports:", module.imports().len());
    for import in module.imports() {
        println!(
            "  {}::{}: {}",
            import.module(),
            import.name(),
            describe(&import.ty())
        );
    }
    println!("{} exports:", module.exports().len());
    for export in module.exports() {
        println!("  {}: {}", export.name(), describe(&export.ty()));
    }
    let sum_ty = module.get_export("sum").expect("`sum` is exported");
    println!(
        "`sum` is a function: {}",
        matches!(sum_ty, ExternType::Func(_))
    );
    let sum_ty = sum_ty.unwrap_func();
    println!(
        "sum takes i32s: {}",
        sum_ty.params().all(|p| matches!(p, ValType::I32))
    );

    // Instantiate with defaults for the imports, then walk the instance.
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.define_unknown_imports_as_default_values(&mut store, &module)?;
    let instance: Instance = linker.instantiate(&mut store, &module)?;
    let kinds: Vec<&str> = instance
        .exports(&mut store)
        .map(|export: Export<'_>| match export.into_extern() {
            Extern::Func(_) => "func",
            Extern::Global(_) => "global",
            Extern::Memory(_) => "memory",
            Extern::Table(_) => "table",
            _ => "other",
        })
        .collect();
    println!("instance exports: {}", kinds.join(" "));
    let export_names: Vec<String> = instance
        .exports(&mut store)
        .map(|export| export.name().to_string())
        .collect();
    println!("instance export names: {}", export_names.join(" "));
    let counter = instance
        .get_global(&mut store, "counter")
        .expect("`counter` is exported");
    println!("counter = {:?}", counter.get(&mut store).f64());
    println!("counter's type: {}", describe(&counter.ty(&store).into()));

    // Linear memory from the host.
    let memory = instance
        .get_memory(&mut store, "scratch")
        .expect("`scratch` is exported");
    let mut greeting = [0u8; 5];
    memory.read(&store, 16, &mut greeting)?;
    println!("read: {:?}", std::str::from_utf8(&greeting)?);
    memory.write(&mut store, 16, b"HELLO")?;
    println!("data[16..21]: {:?}", &memory.data(&store)[16..21]);
    memory.data_mut(&mut store)[0] = 0x7f;
    println!("data[0]: {:#x}", memory.data(&store)[0]);
    println!(
        "size: {} pages, {} bytes",
        memory.size(&store),
        memory.data_size(&store)
    );
    println!(
        "data_ptr is the data: {}",
        std::ptr::eq(memory.data_ptr(&store), memory.data(&store).as_ptr())
    );
    let fill = instance.get_typed_func::<(i32, i32, i32), ()>(&mut store, "fill")?;
    fill.call(&mut store, (100, 0xab, 4))?;
    println!("filled: {:?}", &memory.data(&store)[99..105]);

    // Out of bounds: an error, no partial write.
    let end = memory.data_size(&store);
    let error = memory.write(&mut store, end - 2, b"abcd").unwrap_err();
    println!("write past the end: {error}");
    let error = memory.read(&store, end, &mut [0; 1]).unwrap_err();
    println!("read past the end: {error}");
    println!(
        "last bytes untouched: {:?}",
        &memory.data(&store)[end - 2..]
    );

    // Growing: the old size comes back; past the maximum is an error.
    println!("grow by 2 from {}", memory.grow(&mut store, 2)?);
    println!("now {} pages", memory.size(&store));
    println!(
        "grow past the maximum fails: {}",
        memory.grow(&mut store, 1).is_err()
    );

    // A memory made by the host.
    let host_memory = Memory::new(&mut store, MemoryType::new(2, Some(5)))?;
    println!(
        "host memory: {} pages, maximum {:?}",
        host_memory.size(&store),
        host_memory.ty(&store).maximum()
    );
    Ok(())
}
