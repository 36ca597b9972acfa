//! Handles to GC references held by the host, with Wasmtime's rooting
//! API: [`Rooted<T>`] (scoped), [`OwnedRooted<T>`] (lives as long as a
//! handle) and [`RootScope`].
//!
//! Every reference the host receives (a call's results, a host function's
//! arguments, a global's or a table element's value, an exception field,
//! a new `ExternRef`) comes as a `Rooted<T>`: its object is a root of
//! every collection until the scope it was made in ends. The scope is the
//! innermost [`RootScope`], else the host function call in progress
//! (roots made during the call go when it returns), else the store's
//! lifetime. A `Rooted<T>` used after its scope ended, or with another
//! store, is an error, never a read of some other object. Turn it into an
//! [`OwnedRooted<T>`] to keep the object beyond the scope: that root lives
//! until its last clone is dropped.
//!
//! The runtime's side is `egret_runtime::host_roots`. Objects never move,
//! so a handle carries its reference's bits; the root entry only keeps
//! the object alive and tells whether the handle is still valid.

use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut};
use crate::{Error, Result};
use egret_runtime::host_roots::LifoSlot;
use egret_runtime::store::{StoreId, StoreOpaque};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Where a handle's object is rooted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
enum RootKind {
    /// In a scope, at this slot.
    Scoped(LifoSlot),
    /// By an [`OwnedRooted`] handle, which keeps it alive.
    Owned,
    /// Nowhere: a handle [`OwnedRooted::to_rooted`] made for another store,
    /// which every use reports as belonging to another store.
    Detached,
}

/// A GC reference as a handle holds it: its store, its bits (as generated
/// code holds them) and where it is rooted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct GcRoot {
    store: StoreId,
    raw: u64,
    kind: RootKind,
}

impl GcRoot {
    /// Roots the reference with bits `raw` in the current scope of
    /// `store`; `rooted_as` is what the collector reads (the reference in
    /// `externref` form, or 0 for one that refers to no GC object).
    pub(crate) fn new(store: &StoreOpaque, raw: u64, rooted_as: u64) -> GcRoot {
        GcRoot {
            store: store.id(),
            raw,
            kind: RootKind::Scoped(store.host_roots().push(rooted_as)),
        }
    }

    /// The reference's bits, if it belongs to `store` and its scope has
    /// not ended.
    pub(crate) fn raw(&self, store: &StoreOpaque) -> Result<u64> {
        if store.id() != self.store || self.kind == RootKind::Detached {
            return Err(Error::WrongStore);
        }
        if let RootKind::Scoped(slot) = self.kind
            && !store.host_roots().is_live(slot)
        {
            return Err(Error::misuse(
                "a Rooted GC reference used after its scope ended",
            ));
        }
        Ok(self.raw)
    }
}

mod sealed {
    /// What the handle types share with [`super::Rooted`]: their root.
    pub trait GcRefImpl: Copy {
        /// The handle's root.
        fn root(&self) -> &super::GcRoot;
        /// A handle for a root.
        fn from_root(root: super::GcRoot) -> Self;
        /// The bits the collector reads for the reference `raw`.
        fn rooted_as(raw: u64) -> u64;
    }
}
pub(crate) use sealed::GcRefImpl;

/// A kind of GC reference the host can hold: `AnyRef`, `EqRef`,
/// `StructRef`, `ArrayRef`, `ExternRef`, `ExnRef`.
pub trait GcRef: GcRefImpl + fmt::Debug + Send + Sync + 'static {}

/// Roots the reference with bits `raw` in the current scope of `store`.
pub(crate) fn root<T: GcRef>(store: &StoreOpaque, raw: u64) -> Rooted<T> {
    Rooted {
        inner: T::from_root(GcRoot::new(store, raw, T::rooted_as(raw))),
    }
}

/// Roots the reference with bits `raw` of `store` until the returned
/// handle and its clones are dropped.
pub(crate) fn owned<T: GcRef>(store: &StoreOpaque, raw: u64) -> OwnedRooted<T> {
    let token = store.host_roots().push_owned(T::rooted_as(raw));
    OwnedRooted {
        inner: T::from_root(GcRoot {
            store: store.id(),
            raw,
            kind: RootKind::Owned,
        }),
        _liveness: token,
    }
}

/// `rooted` as a handle of kind `T` (a `StructRef` as an `AnyRef`, say),
/// sharing its root: a `Rooted`'s root is never an owned one.
pub(crate) fn retype<T: GcRef, U: GcRef>(rooted: Rooted<U>) -> Rooted<T> {
    Rooted {
        inner: T::from_root(*rooted.inner.root()),
    }
}

/// `owned` as a handle of kind `T`, sharing its root and liveness.
pub(crate) fn retype_owned<T: GcRef, U: GcRef>(owned: OwnedRooted<U>) -> OwnedRooted<T> {
    OwnedRooted {
        inner: T::from_root(*owned.inner.root()),
        _liveness: owned._liveness,
    }
}

/// A scoped handle of kind `T` for `root` (the same root, seen as another
/// kind of reference: an `AnyRef` as a `StructRef`, say).
///
/// The handle shares a scoped root's entry, which ends with its scope. An
/// owned root's entry lives only as long as its `OwnedRooted` handles, so
/// a view of one gets a scoped entry of its own in `store`: it must not
/// outlive the object it refers to.
pub(crate) fn rooted_as_kind<T: GcRef>(store: &StoreOpaque, root: GcRoot) -> Rooted<T> {
    match root.kind {
        RootKind::Owned if root.store == store.id() => self::root(store, root.raw),
        _ => Rooted {
            inner: T::from_root(root),
        },
    }
}

/// A handle to a GC reference rooted in a scope (see the module docs):
/// valid until the scope ends. Dereferences to `T` for `T`'s methods.
#[derive(Copy, Clone)]
pub struct Rooted<T: GcRef> {
    inner: T,
}

impl<T: GcRef> Deref for Rooted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: GcRef> fmt::Debug for Rooted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rooted").field(&self.inner).finish()
    }
}

impl<T: GcRef> Rooted<T> {
    /// An [`OwnedRooted`] of the same reference, which keeps it alive
    /// beyond this handle's scope; an error if the scope has ended.
    pub fn to_owned_rooted(&self, mut store: impl AsContextMut) -> Result<OwnedRooted<T>> {
        let store = &store.as_context_mut().0.opaque;
        let raw = self.inner.root().raw(store)?;
        Ok(owned(store, raw))
    }

    /// Whether `a` and `b` are the same handle (the same root), which
    /// implies they refer to the same object; see [`Rooted::ref_eq`] to
    /// compare objects.
    pub fn rooted_eq(a: Self, b: Self) -> bool {
        a.inner.root() == b.inner.root()
    }

    /// Whether `a` and `b` refer to the same object (wasm's `ref.eq`);
    /// an error if either is not valid in `store`.
    pub fn ref_eq(
        store: impl AsContext,
        a: &impl RootedGcRef<T>,
        b: &impl RootedGcRef<T>,
    ) -> Result<bool> {
        let store = &store.as_context().0.opaque;
        Ok(a.gc_root().raw(store)? == b.gc_root().raw(store)?)
    }
}

/// [`Rooted<T>`] or [`OwnedRooted<T>`]: a handle whose reference can be
/// compared with [`Rooted::ref_eq`].
pub trait RootedGcRef<T: GcRef>: sealed_rooted::Sealed {
    /// The handle's root.
    #[doc(hidden)]
    fn gc_root(&self) -> &GcRoot;
}

mod sealed_rooted {
    pub trait Sealed {}
}

impl<T: GcRef> sealed_rooted::Sealed for Rooted<T> {}
impl<T: GcRef> RootedGcRef<T> for Rooted<T> {
    fn gc_root(&self) -> &GcRoot {
        self.inner.root()
    }
}
impl<T: GcRef> sealed_rooted::Sealed for OwnedRooted<T> {}
impl<T: GcRef> RootedGcRef<T> for OwnedRooted<T> {
    fn gc_root(&self) -> &GcRoot {
        self.inner.root()
    }
}

/// A handle to a GC reference that keeps it alive as long as the handle
/// or one of its clones exists, whatever the scope.
#[derive(Clone)]
pub struct OwnedRooted<T: GcRef> {
    inner: T,
    /// Shared with the store's entry for this root, which stays while a
    /// clone lives (held only to be counted).
    _liveness: Arc<()>,
}

impl<T: GcRef> Deref for OwnedRooted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: GcRef> fmt::Debug for OwnedRooted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedRooted").field(&self.inner).finish()
    }
}

impl<T: GcRef> OwnedRooted<T> {
    /// A [`Rooted`] handle to the same reference in the current scope of
    /// `store`. (A handle of another store gives a handle that every use
    /// reports as belonging to that other store.)
    pub fn to_rooted(&self, mut context: impl AsContextMut) -> Rooted<T> {
        let store = &context.as_context_mut().0.opaque;
        let this = self.inner.root();
        if this.store != store.id() {
            // Not the owned root's entry: that one ends with `self`.
            let detached = GcRoot {
                kind: RootKind::Detached,
                ..*this
            };
            return Rooted {
                inner: T::from_root(detached),
            };
        }
        root::<T>(store, this.raw)
    }
}

/// A scope for [`Rooted`] handles: those made with it (or with a store
/// context borrowed from it) are unrooted when it is dropped. Use it
/// wherever a store context is expected.
pub struct RootScope<C: AsContextMut> {
    store: C,
    start: usize,
}

impl<C: AsContextMut> RootScope<C> {
    /// Opens a scope in `store`.
    pub fn new(store: C) -> Self {
        let start = store.as_context().0.opaque.host_roots().scope_start();
        RootScope { store, start }
    }

    /// Makes room for `additional` more roots (a hint).
    pub fn reserve(&mut self, additional: usize) {
        self.store
            .as_context_mut()
            .0
            .opaque
            .host_roots_mut()
            .reserve(additional);
    }
}

impl<C: AsContextMut> Drop for RootScope<C> {
    fn drop(&mut self) {
        self.store
            .as_context_mut()
            .0
            .opaque
            .host_roots_mut()
            .end_scope(self.start);
    }
}

impl<C: AsContextMut> AsContext for RootScope<C> {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        self.store.as_context()
    }
}

impl<C: AsContextMut> AsContextMut for RootScope<C> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        self.store.as_context_mut()
    }
}
