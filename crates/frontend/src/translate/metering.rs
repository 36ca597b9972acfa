//! Fuel accounting and epoch checks. Nothing here emits code unless
//! `Tunables::consume_fuel` or `Tunables::epoch_interruption` is set.
//!
//! **Fuel.** `VMStoreContext::fuel_consumed` is an `i64` that is negative
//! while fuel remains (the store sets it to `-fuel`). A function loads it
//! into a Cranelift variable on entry and keeps the running count there.
//! Each operator costs 1, except the ones that only structure code (`nop`,
//! `drop`, `block`, `loop`, `else`, `end`, `return`, `unreachable`). The
//! costs are summed at translation time and added to the variable in one
//! `iadd` before every operator that transfers control (branches, `if`,
//! `else`, `end`, `loop`), so a straight-line run of operators costs one
//! add. The variable is written back to the store context before calls
//! and tail calls (the callee, or a host function, reads it there), before
//! `throw`, `throw_ref`, `unreachable` and at the return, and reloaded
//! after calls and at the start of exception handlers (a host function
//! may have changed it). At function entry and at every loop header, a counter that
//! is no longer negative traps with `Trap::OutOfFuel`, after saving
//! the counter so the store sees the fuel as spent.
//!
//! **Epochs.** At function entry and every loop header, the engine's epoch
//! counter (`*VMStoreContext::epoch_ptr`) is compared with the store's
//! `epoch_deadline`; once the epoch has reached the deadline, a cold path
//! calls the `epoch_deadline_reached` builtin, which runs the store's
//! deadline callback if it has one: wasm goes on with the deadline it
//! set, or traps with `Trap::Interrupt` (no callback, or the callback
//! said so) or `HostFunctionFailed` (the callback failed). The counter is read with an atomic load:
//! another thread changes it, and an ordinary load in a loop without
//! stores would be merged with the one before the loop by Cranelift's
//! redundant-load elimination, so the loop would never see a new epoch.
//! The deadline is reloaded at every check, since a host function may
//! move it.
//!
//! Checks at function entries and loop headers bound the work between two
//! checks by the length of the longest loop-free, call-free path through
//! one function body.

use super::Translation;
use crate::builtins::{EPOCH_FAILED, EPOCH_INTERRUPT};
use crate::traps::{Trap, TrapReason};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::Operator;

/// The fuel an operator costs.
fn fuel_cost(op: &Operator<'_>) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Else
        | Operator::End
        | Operator::Return
        | Operator::Unreachable => 0,
        _ => 1,
    }
}

impl Translation<'_> {
    /// Function entry: loads the fuel counter and checks fuel and epoch.
    pub(super) fn metering_entry(&mut self) {
        if let Some(var) = self.fuel {
            let fuel = self.load_fuel_consumed();
            self.b.def_var(var, fuel);
        }
        self.interruption_checks();
    }

    /// Charges `op` (about to be translated, in reachable code) and brings
    /// the counter up to date where `op` needs it.
    pub(super) fn metering_before_op(&mut self, op: &Operator<'_>) {
        if self.fuel.is_none() {
            return;
        }
        self.fuel_pending += fuel_cost(op);
        match op {
            Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::CallRef { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Unreachable => {
                self.flush_fuel();
                self.save_fuel();
            }
            Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::BrTable { .. }
            | Operator::Return => self.flush_fuel(),
            _ => {}
        }
    }

    /// After `op` was translated from reachable code: reloads the counter
    /// after a call, checks at a loop header.
    pub(super) fn metering_after_op(&mut self, op: &Operator<'_>) {
        match op {
            Operator::Call { .. } | Operator::CallIndirect { .. } | Operator::CallRef { .. } => {
                self.reload_fuel();
            }
            // `loop_` left the builder in the loop header.
            Operator::Loop { .. } => self.interruption_checks(),
            _ => {}
        }
    }

    /// Reloads the counter from the store context, after code elsewhere
    /// (a callee, a host function, a thrower) may have spent fuel.
    pub(super) fn reload_fuel(&mut self) {
        if let Some(var) = self.fuel {
            let fuel = self.load_fuel_consumed();
            self.b.def_var(var, fuel);
        }
    }

    /// Adds the pending cost to the counter.
    fn flush_fuel(&mut self) {
        let Some(var) = self.fuel else { return };
        if self.fuel_pending != 0 {
            let fuel = self.b.use_var(var);
            let fuel = self.b.ins().iadd_imm_s(fuel, self.fuel_pending);
            self.b.def_var(var, fuel);
            self.fuel_pending = 0;
        }
    }

    /// Writes the counter back to the store context.
    pub(super) fn save_fuel(&mut self) {
        let Some(var) = self.fuel else { return };
        let fuel = self.b.use_var(var);
        self.store_fuel_consumed(fuel);
    }

    /// The checks at function entry and loop headers: fuel, then epoch.
    fn interruption_checks(&mut self) {
        if let Some(var) = self.fuel {
            let fuel = self.b.use_var(var);
            let exhausted = self
                .b
                .ins()
                .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, fuel, 0);
            self.trap_if(exhausted, Trap::OutOfFuel);
        }
        if self.env.tunables.epoch_interruption {
            self.epoch_check();
        }
    }

    /// Once the epoch has reached the deadline, a cold path asks the
    /// `epoch_deadline_reached` builtin (the store's callback) whether to
    /// go on with a new deadline or to trap. The counter is saved before
    /// (the callback may read the fuel, and a trap must leave it spent)
    /// and reloaded after (the callback may set it).
    fn epoch_check(&mut self) {
        let reached = self.epoch_deadline_reached();
        let slow = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(reached, slow, &[], next, &[]);
        self.b.seal_block(slow);
        self.b.switch_to_block(slow);
        self.save_fuel();
        let outcome = self.ask_epoch_callback();
        let interrupt = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, outcome, i64::from(EPOCH_INTERRUPT));
        self.b.ins().trapnz(interrupt, Trap::Interrupt.code());
        let failed = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, outcome, i64::from(EPOCH_FAILED));
        self.b.ins().trapnz(failed, TrapReason::HostFailed.code());
        self.reload_fuel();
        self.b.ins().jump(next, &[]);
        self.b.seal_block(next);
        self.b.switch_to_block(next);
    }

    /// Traps with `kind` if `condition` holds. With fuel metered, the trap
    /// path (a cold block) first saves the counter, so the store's fuel is
    /// current after the trap.
    fn trap_if(&mut self, condition: Value, kind: Trap) {
        let Some(var) = self.fuel else {
            self.b.ins().trapnz(condition, kind.code());
            return;
        };
        let trap = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(trap);
        self.b.ins().brif(condition, trap, &[], next, &[]);
        self.b.seal_block(trap);
        self.b.seal_block(next);
        self.b.switch_to_block(trap);
        let fuel = self.b.use_var(var);
        self.store_fuel_consumed(fuel);
        self.b.ins().trap(kind.code());
        self.b.switch_to_block(next);
    }
}
