//! The `spectest` host module the spec scripts import from: print
//! functions that print nothing, immutable globals holding 666, a funcref
//! table of 10..20 elements and a memory of 1..2 pages.

use egret::{
    FuncType, Global, GlobalType, Linker, Memory, MemoryType, Mutability, Ref, RefType, Store,
    Table, TableType, Val, ValType,
};

/// Defines the `spectest` module in `linker`, creating its table, memory
/// and globals in `store`.
pub(crate) fn define(linker: &mut Linker<()>, store: &mut Store<()>) -> egret::Result<()> {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(store.engine(), params.iter().cloned(), []);
        linker.func_new("spectest", name, ty, |_, _, _| Ok(()))?;
    }

    let globals = [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::from(666.6f32)),
        ("global_f64", Val::from(666.6f64)),
    ];
    for (name, value) in globals {
        let ty = GlobalType::new(value.ty(&*store)?, Mutability::Const);
        let global = Global::new(&mut *store, ty, value)?;
        linker.define(&*store, "spectest", name, global)?;
    }

    let table_ty = TableType::new(RefType::FUNCREF, 10, Some(20));
    let table = Table::new(&mut *store, table_ty, Ref::Func(None))?;
    linker.define(&*store, "spectest", "table", table)?;

    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define(&*store, "spectest", "memory", memory)?;
    Ok(())
}
