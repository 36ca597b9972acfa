//! Function types, registered with an engine: each is an engine-wide id
//! in the engine's type registry (so equal types from any module or host
//! definition are one id), its parameters and results, and its place in
//! the subtype hierarchy (finality and declared supertype).

use super::engine_form;
use super::val::ValType;
use crate::{Engine, Error, Result};
use egret_frontend::types::{CompositeType, SigId, SubType, TypeRef};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Whether a declared type may have subtypes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Finality {
    /// No type may declare this one as its supertype.
    Final,
    /// Other types may declare this one as their supertype.
    NonFinal,
}

impl Finality {
    /// Whether this is [`Finality::Final`].
    pub fn is_final(&self) -> bool {
        matches!(self, Finality::Final)
    }

    /// Whether this is [`Finality::NonFinal`].
    pub fn is_non_final(&self) -> bool {
        matches!(self, Finality::NonFinal)
    }
}

/// The type of a function: parameters and results, finality and
/// supertype, registered with one [`Engine`].
///
/// Not `Eq`: what a caller usually wants is [`FuncType::matches`] (the
/// subtype check); [`FuncType::eq`] is exact equality.
///
/// ```
/// use egret::{Engine, FuncType, ValType};
/// let engine = Engine::default();
/// let ty = FuncType::new(&engine, [ValType::I32, ValType::I64], [ValType::F64]);
/// assert_eq!(ty.params().len(), 2);
/// assert!(ty.result(0).unwrap().is_f64());
/// assert!(ty.finality().is_final());
/// ```
#[derive(Clone)]
pub struct FuncType {
    engine: Engine,
    id: SigId,
    /// The registered type, its references engine ids.
    declared: Arc<SubType>,
}

impl FuncType {
    /// A final function type without supertype.
    ///
    /// # Panics
    /// If a parameter or result is a concrete reference type registered
    /// with another engine (as Wasmtime's does);
    /// [`FuncType::with_finality_and_supertype`] reports it as an error.
    pub fn new(
        engine: &Engine,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        match FuncType::with_finality_and_supertype(engine, Finality::Final, None, params, results)
        {
            Ok(ty) => ty,
            Err(e) => panic!("FuncType::new: {e}"),
        }
    }

    /// A function type with the given finality and supertype. Fails if
    /// the supertype is final, is not a supertype of the described type
    /// (parameters may only widen, results only narrow), or any type
    /// belongs to another engine.
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&FuncType>,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Result<FuncType> {
        let to_engine = |tys: &mut dyn Iterator<Item = ValType>| {
            tys.map(|t| {
                if !t.belongs_to(engine) {
                    return Err(Error::misuse(format!(
                        "the type {t} belongs to another engine"
                    )));
                }
                Ok(t.to_engine())
            })
            .collect::<Result<Vec<_>>>()
        };
        let ty = engine_form::FuncType::new(
            to_engine(&mut params.into_iter())?,
            to_engine(&mut results.into_iter())?,
        );
        let registry = engine.inner.types();
        if let Some(sup) = supertype {
            if !Engine::same(sup.engine(), engine) {
                return Err(Error::misuse("the supertype belongs to another engine"));
            }
            if sup.finality().is_final() {
                return Err(Error::misuse(format!(
                    "the supertype {sup} is final and cannot have subtypes"
                )));
            }
            let fits = |sub: &[engine_form::ValType], sup: &[engine_form::ValType]| {
                sub.len() == sup.len()
                    && sub
                        .iter()
                        .zip(sup)
                        .all(|(a, b)| registry.is_val_subtype(*a, *b))
            };
            let sup_ty = sup.engine_type();
            if !fits(sup_ty.params(), ty.params()) || !fits(ty.results(), sup_ty.results()) {
                return Err(Error::misuse(format!(
                    "{ty} is not a subtype of {sup}: parameters may only widen and \
                     results only narrow"
                )));
            }
        }
        let declared = SubType {
            is_final: finality.is_final(),
            supertype: supertype.map(|s| TypeRef::Engine(s.id)),
            composite: CompositeType::Func(ty),
        };
        let id = registry.register_group(&[], std::slice::from_ref(&declared))[0];
        Ok(FuncType {
            engine: engine.clone(),
            id,
            declared: Arc::new(declared),
        })
    }

    /// The type registered with id `id` in `engine`.
    pub(crate) fn from_engine(engine: &Engine, id: SigId) -> FuncType {
        let declared = engine
            .inner
            .types()
            .sub_type(id)
            .filter(|t| t.as_func().is_some())
            .expect("function type ids come from this engine's registry");
        FuncType {
            engine: engine.clone(),
            id,
            declared: Arc::new(declared),
        }
    }

    /// The engine-wide id.
    pub(crate) fn id(&self) -> SigId {
        self.id
    }

    /// Parameters and results in engine form.
    pub(crate) fn engine_type(&self) -> &engine_form::FuncType {
        match &self.declared.composite {
            CompositeType::Func(f) => f,
            _ => unreachable!("a FuncType is made only from a function type's id"),
        }
    }

    /// The engine this type is registered with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether the type may have subtypes.
    pub fn finality(&self) -> Finality {
        if self.declared.is_final {
            Finality::Final
        } else {
            Finality::NonFinal
        }
    }

    /// The declared supertype.
    pub fn supertype(&self) -> Option<FuncType> {
        match self.declared.supertype {
            Some(TypeRef::Engine(id)) => Some(FuncType::from_engine(&self.engine, id)),
            _ => None,
        }
    }

    /// Parameter `i`.
    pub fn param(&self, i: usize) -> Option<ValType> {
        let ty = *self.engine_type().params().get(i)?;
        Some(ValType::from_engine(&self.engine, ty))
    }

    /// The parameter types.
    pub fn params(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        let engine = &self.engine;
        self.engine_type()
            .params()
            .iter()
            .map(move |t| ValType::from_engine(engine, *t))
    }

    /// Result `i`.
    pub fn result(&self, i: usize) -> Option<ValType> {
        let ty = *self.engine_type().results().get(i)?;
        Some(ValType::from_engine(&self.engine, ty))
    }

    /// The result types.
    pub fn results(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        let engine = &self.engine;
        self.engine_type()
            .results()
            .iter()
            .map(move |t| ValType::from_engine(engine, *t))
    }

    /// Whether a function of type `self` may be used where one of type
    /// `other` is expected: the same type or a declared subtype, in the
    /// same engine.
    pub fn matches(&self, other: &FuncType) -> bool {
        Engine::same(&self.engine, &other.engine)
            && self.engine.inner.types().is_subtype(self.id, other.id)
    }

    /// Whether `a` and `b` are the same type (of the same engine).
    // Wasmtime names exact equality `eq` rather than implementing
    // `PartialEq`, so that `==` is not used where `matches` is meant.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(a: &FuncType, b: &FuncType) -> bool {
        Engine::same(&a.engine, &b.engine) && a.id == b.id
    }
}

impl Hash for FuncType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>,
                    what: &str,
                    tys: &mut dyn ExactSizeIterator<Item = ValType>| {
            if tys.len() == 0 {
                return Ok(());
            }
            write!(f, " ({what}")?;
            for t in tys {
                write!(f, " {t}")?;
            }
            f.write_str(")")
        };
        f.write_str("(func")?;
        list(f, "param", &mut self.params())?;
        list(f, "result", &mut self.results())?;
        f.write_str(")")
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HeapType, RefType};

    #[test]
    fn equal_types_share_one_id_and_subtypes_match() {
        let engine = Engine::default();
        let a = FuncType::new(&engine, [ValType::I32], []);
        let b = FuncType::new(&engine, [ValType::I32], []);
        assert!(FuncType::eq(&a, &b) && a.matches(&b));

        let open = FuncType::with_finality_and_supertype(
            &engine,
            Finality::NonFinal,
            None,
            [ValType::FUNCREF],
            [],
        )
        .unwrap();
        // A declared subtype matches its supertype, not the reverse.
        let sub = FuncType::with_finality_and_supertype(
            &engine,
            Finality::Final,
            Some(&open),
            [ValType::FUNCREF],
            [],
        )
        .unwrap();
        assert!(sub.matches(&open));
        assert!(!open.matches(&sub));
        assert!(FuncType::eq(&sub.supertype().unwrap(), &open));

        let typed_param = ValType::Ref(RefType::new(false, HeapType::ConcreteFunc(a.clone())));
        let bad = FuncType::with_finality_and_supertype(
            &engine,
            Finality::Final,
            Some(&open),
            [typed_param],
            [],
        );
        assert!(bad.is_err(), "a narrower parameter is refused");
        let under_final =
            FuncType::with_finality_and_supertype(&engine, Finality::Final, Some(&a), [], []);
        assert!(under_final.is_err(), "a final type has no subtypes");
    }

    #[test]
    fn types_of_different_engines_never_match() {
        let (e1, e2) = (Engine::default(), Engine::default());
        let a = FuncType::new(&e1, [], []);
        let b = FuncType::new(&e2, [], []);
        assert!(!a.matches(&b) && !FuncType::eq(&a, &b));
        let foreign = ValType::Ref(RefType::new(true, HeapType::ConcreteFunc(b)));
        assert!(
            FuncType::with_finality_and_supertype(&e1, Finality::Final, None, [foreign], [])
                .is_err()
        );
    }
}
