//! The gate's revocation state: revoked serials in one sorted `Vec<u64>`, their last valid day
//! and reason in two parallel vectors (11 bytes an entry, no per-entry allocation), found by
//! binary search. A small index of every 64th serial (1/8 byte an entry, small enough to stay
//! in cache) picks the block first, so a lookup in a million entries touches a few cache lines
//! instead of twenty. A province-wide list of 1,000,000 entries holds 11.1 MB; a `BTreeMap` of
//! the same entries holds about 14 MB.

use crate::format::fields::RevocationReason;
use crate::format::revocation::Revoked;

/// Revoked serials with their `not_after` day and reason, sorted by serial, no serial twice.
#[derive(Debug, Clone, Default)]
pub(crate) struct RevokedSet {
    serials: Vec<u64>,
    not_after: Vec<u16>,
    reasons: Vec<RevocationReason>,
    /// The first serial of each block of [`BLOCK`] entries.
    index: Vec<u64>,
}

/// Entries per block of the index.
const BLOCK: usize = 64;

impl RevokedSet {
    /// The entries of a full list (sorted by serial, no serial twice: checked when parsed).
    pub(crate) fn from_sorted(entries: &[Revoked]) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].serial < w[1].serial));
        let mut set = RevokedSet {
            serials: entries.iter().map(|e| e.serial).collect(),
            not_after: entries.iter().map(|e| e.not_after).collect(),
            reasons: entries.iter().map(|e| e.reason).collect(),
            index: Vec::new(),
        };
        set.reindex();
        set
    }

    fn reindex(&mut self) {
        self.index = self.serials.iter().step_by(BLOCK).copied().collect();
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.serials.len()
    }

    /// The entry of `serial`, if revoked.
    pub(crate) fn get(&self, serial: u64) -> Option<(u16, RevocationReason)> {
        let block = self
            .index
            .partition_point(|&first| first <= serial)
            .checked_sub(1)?;
        let start = block * BLOCK;
        let end = (start + BLOCK).min(self.len());
        let i = start + self.serials[start..end].binary_search(&serial).ok()?;
        Some((self.not_after[i], self.reasons[i]))
    }

    /// Adds the entries of a delta (sorted by serial, no serial twice); an entry for a serial
    /// already held replaces it. Merges from the back in place: the only new memory is room
    /// for the added entries.
    pub(crate) fn merge(&mut self, add: &[Revoked]) {
        debug_assert!(add.windows(2).all(|w| w[0].serial < w[1].serial));
        let n = self.len();
        let total = n + add.len();
        self.serials.reserve_exact(add.len());
        self.not_after.reserve_exact(add.len());
        self.reasons.reserve_exact(add.len());
        self.serials.resize(total, 0);
        self.not_after.resize(total, 0);
        self.reasons.resize(total, RevocationReason::Unspecified);
        // `i` held entries and `j` added entries are left to place; the next goes to `w - 1`.
        // Always w ≥ i + j, so a held entry is read before its slot is written.
        let (mut i, mut j, mut w) = (n, add.len(), total);
        while j > 0 {
            let e = &add[j - 1];
            if i > 0 && self.serials[i - 1] > e.serial {
                self.move_entry(i - 1, w - 1);
                i -= 1;
            } else {
                if i > 0 && self.serials[i - 1] == e.serial {
                    i -= 1; // replaced by the added entry
                }
                self.serials[w - 1] = e.serial;
                self.not_after[w - 1] = e.not_after;
                self.reasons[w - 1] = e.reason;
                j -= 1;
            }
            w -= 1;
        }
        // Held entries [0, i) are in place; a gap [i, w) is left by replaced serials.
        if w > i {
            self.serials.copy_within(w.., i);
            self.not_after.copy_within(w.., i);
            self.reasons.copy_within(w.., i);
            self.truncate(total - (w - i));
        }
        self.reindex();
    }

    /// Drops entries whose `not_after` day is before `today`.
    pub(crate) fn retain_from(&mut self, today: i64) {
        let mut kept = 0;
        for i in 0..self.len() {
            if i64::from(self.not_after[i]) >= today {
                self.move_entry(i, kept);
                kept += 1;
            }
        }
        self.truncate(kept);
        if self.serials.capacity() > 2 * kept.max(64) {
            self.serials.shrink_to_fit();
            self.not_after.shrink_to_fit();
            self.reasons.shrink_to_fit();
        }
        self.reindex();
    }

    /// Heap bytes the set holds (its vectors' capacities).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.serials.capacity() * std::mem::size_of::<u64>()
            + self.not_after.capacity() * std::mem::size_of::<u16>()
            + self.reasons.capacity() * std::mem::size_of::<RevocationReason>()
            + self.index.capacity() * std::mem::size_of::<u64>()
    }

    fn move_entry(&mut self, from: usize, to: usize) {
        self.serials[to] = self.serials[from];
        self.not_after[to] = self.not_after[from];
        self.reasons[to] = self.reasons[from];
    }

    fn truncate(&mut self, len: usize) {
        self.serials.truncate(len);
        self.not_after.truncate(len);
        self.reasons.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn entry(serial: u64, not_after: u16, reason: u8) -> Revoked {
        Revoked {
            serial,
            not_after,
            reason: RevocationReason::from_byte(reason % 6).unwrap(),
        }
    }

    /// A small deterministic generator (splitmix64), so the test needs no dependency.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn sorted(map: &BTreeMap<u64, (u16, u8)>) -> Vec<Revoked> {
        map.iter().map(|(&s, &(d, r))| entry(s, d, r)).collect()
    }

    #[test]
    fn merges_and_prunes_like_a_map() {
        let mut seed = 7;
        for round in 0..200 {
            let mut model = BTreeMap::new();
            let range = 1 + round * 3;
            let mut first = BTreeMap::new();
            for _ in 0..next(&mut seed) % 40 {
                let s = next(&mut seed) % range;
                first.insert(s, ((next(&mut seed) % 10) as u16, (s % 6) as u8));
            }
            model.extend(first.clone());
            let mut set = RevokedSet::from_sorted(&sorted(&first));
            for _ in 0..3 {
                let mut delta = BTreeMap::new();
                for _ in 0..next(&mut seed) % 40 {
                    let s = next(&mut seed) % range;
                    delta.insert(
                        s,
                        ((next(&mut seed) % 10) as u16, (next(&mut seed) % 6) as u8),
                    );
                }
                set.merge(&sorted(&delta));
                model.extend(delta);
            }
            let today = (next(&mut seed) % 12) as i64;
            set.retain_from(today);
            model.retain(|_, (d, _)| i64::from(*d) >= today);
            assert_eq!(set.len(), model.len(), "round {round}");
            for s in 0..range + 2 {
                let want = model
                    .get(&s)
                    .map(|&(d, r)| (d, RevocationReason::from_byte(r).unwrap()));
                assert_eq!(set.get(s), want, "round {round}, serial {s}");
            }
        }
    }

    #[test]
    fn holds_eleven_bytes_an_entry_and_an_eighth() {
        let entries: Vec<_> = (0..10_000u64).map(|s| entry(s * 3, 20_790, 2)).collect();
        let mut set = RevokedSet::from_sorted(&entries);
        assert_eq!(set.heap_bytes(), 10_000 * 11 + 157 * 8);
        let delta: Vec<_> = (0..1_000u64).map(|s| entry(s * 3 + 1, 20_791, 1)).collect();
        set.merge(&delta);
        assert_eq!(set.len(), 11_000);
        assert_eq!(set.heap_bytes(), 11_000 * 11 + 172 * 8);
        for s in 0..33_000 {
            let want = (s < 30_000 && s % 3 == 0) || (s < 3_000 && s % 3 == 1);
            assert_eq!(set.get(s).is_some(), want, "{s}");
        }
        assert_eq!(set.get(4), Some((20_791, RevocationReason::TempLost)));
        assert_eq!(set.get(3), Some((20_790, RevocationReason::Lost)));
        assert_eq!(set.get(5), None);
    }
}
