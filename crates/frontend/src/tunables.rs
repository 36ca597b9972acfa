//! Engine-wide settings that change the code generated for a module.

/// Settings that shape generated code. Part of the engine's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tunables {
    /// Bytes of address space reserved for every 32-bit linear memory,
    /// guard region included. Accesses whose static offset plus size fits
    /// in the part beyond 4 GiB need no explicit bounds check.
    pub memory_reservation: u64,
    /// Count fuel and trap when it runs out (see `translate/metering.rs`).
    /// Off: no fuel code at all is generated.
    pub consume_fuel: bool,
    /// Check the epoch deadline at function entries and loop headers.
    /// Off: no epoch code at all is generated.
    pub epoch_interruption: bool,
    /// Give relaxed SIMD operators the results of their non-relaxed
    /// counterparts on every machine (`translate/simd.rs`). Off: each uses
    /// the host's fastest instruction among those the specification allows.
    pub relaxed_simd_deterministic: bool,
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            // 4 GiB for every 32-bit index, 2 GiB for static offsets, and
            // one 64 KiB page so the widest access at the largest such
            // offset still faults inside the reservation.
            memory_reservation: (6 << 30) + (64 << 10),
            consume_fuel: false,
            epoch_interruption: false,
            relaxed_simd_deterministic: false,
        }
    }
}

impl Tunables {
    /// Whether a 32-bit memory access with this static offset and access
    /// size is always caught by the guard region, so it needs no explicit
    /// bounds check.
    pub fn guard_covers(&self, offset: u64, access_size: u64) -> bool {
        let beyond_index_space = self.memory_reservation.saturating_sub(1 << 32);
        offset.saturating_add(access_size) <= beyond_index_space
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_covers_offsets_below_two_gib() {
        let t = Tunables::default();
        assert!(t.guard_covers(0, 8));
        assert!(t.guard_covers(0x7FFF_FFFF, 8));
        assert!(!t.guard_covers(0x8001_0000, 8));
        assert!(!t.guard_covers(u64::MAX, 8));
    }
}
