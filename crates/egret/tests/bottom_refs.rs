//! The bottom reference types through the public API: `NoFunc`,
//! `NoExtern` and `NoneRef` in typed calls and host functions as the nulls
//! of `(ref null nofunc)`, `(ref null noextern)` and `(ref null none)`, and
//! their `null_ref`/`null_val` in the right hierarchy.

use egret::*;

const MODULE: &str = r#"
(module
  (import "host" "count_nulls" (func $count (param (ref null none) (ref null noextern)) (result i32)))
  (func (export "nulls") (param (ref null nofunc) (ref null noextern) (ref null none))
                         (result (ref null nofunc) (ref null noextern) (ref null none) i32)
    (local.get 0) (local.get 1) (local.get 2)
    (i32.add (i32.add (ref.is_null (local.get 0)) (ref.is_null (local.get 1)))
             (ref.is_null (local.get 2))))
  (func (export "call_host") (result i32)
    (call $count (ref.null none) (ref.null noextern))))
"#;

#[test]
fn typed_calls_pass_and_return_bottom_nulls() {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE).unwrap();
    let mut store = Store::new(&engine, ());
    let count = Func::wrap(&mut store, |a: Option<NoneRef>, b: Option<NoExtern>| {
        i32::from(a.is_none()) + i32::from(b.is_none())
    });
    let instance = Instance::new(&mut store, &module, &[count.into()]).unwrap();
    let nulls = instance
        .get_typed_func::<
            (Option<NoFunc>, Option<NoExtern>, Option<NoneRef>),
            (Option<NoFunc>, Option<NoExtern>, Option<NoneRef>, i32),
        >(&mut store, "nulls")
        .unwrap();
    let out = nulls
        .call(
            &mut store,
            (NoFunc::null(), NoExtern::null(), NoneRef::null()),
        )
        .unwrap();
    assert_eq!(out, (None, None, None, 3));
    let call_host = instance
        .get_typed_func::<(), i32>(&mut store, "call_host")
        .unwrap();
    assert_eq!(call_host.call(&mut store, ()).unwrap(), 2);
    // The Rust type must name the parameter's type exactly.
    assert!(
        instance
            .get_typed_func::<(Option<Func>, Option<NoExtern>, Option<NoneRef>), ()>(
                &mut store, "nulls"
            )
            .is_err()
    );
}

#[test]
fn bottom_nulls_belong_to_their_hierarchy() {
    assert!(NoFunc::null_ref().is_func() && NoFunc::null_ref().is_null());
    assert!(NoExtern::null_ref().is_extern() && NoExtern::null_ref().is_null());
    assert!(NoneRef::null_ref().is_any() && NoneRef::null_ref().is_null());
    assert!(matches!(NoFunc::null_val(), Val::FuncRef(None)));
    assert!(matches!(NoExtern::null_val(), Val::ExternRef(None)));
    assert!(matches!(NoneRef::null_val(), Val::AnyRef(None)));
}
