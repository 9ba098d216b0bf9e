//! The gate's memory of codes it admitted, so each is used once. Entries are needed only while
//! their code could still pass the time check; after that the time check refuses it anyway, so
//! the set stays small (about one entry per admission in the last ~90 seconds).
//!
//! A gate whose stored set was lost (the browser reset a corrupt database, a torn file) cannot
//! know which codes it admitted before. It marks the set lost at the moment it notices: from
//! then on, a code that could have passed the time check at or before that moment is refused
//! until its time is up, and only codes made after it pass (a wait of one to two steps).

use std::collections::{BTreeSet, HashMap};

use sha2::{Digest, Sha512};

use crate::format::code::Code;
use crate::format::WireError;

const MAGIC: &[u8; 4] = b"HNRP";
/// Version 2 adds the moment the set was last lost; version 1 (without it) is still read.
const VERSION: u8 = 2;
const NEVER_LOST: i64 = i64::MIN;
const ENTRY_LEN: usize = 8 + 8 + 1 + 4 + 1;
const CHECKSUM_LEN: usize = 8;

/// What identifies one code for single use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplayKey {
    /// Credential serial.
    pub serial: u64,
    /// Step length of the code.
    pub step_secs: u8,
    /// Step index of the code.
    pub step: u32,
    /// Counter within the step.
    pub counter: u8,
}

impl ReplayKey {
    /// The key of a code.
    pub fn of(code: &Code) -> Self {
        let p = &code.presentation;
        ReplayKey {
            serial: code.credential.body.serial,
            step_secs: p.step_secs,
            step: p.step,
            counter: p.counter,
        }
    }
}

/// A bounded set of used codes, each kept until the time its code stops passing the time check.
#[derive(Debug, Clone)]
pub struct ReplaySet {
    capacity: usize,
    expiry: HashMap<ReplayKey, i64>,
    by_expiry: BTreeSet<(i64, ReplayKey)>,
    lost_at: Option<i64>,
}

impl ReplaySet {
    /// An empty set holding at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        ReplaySet {
            capacity: capacity.max(1),
            expiry: HashMap::new(),
            by_expiry: BTreeSet::new(),
            lost_at: None,
        }
    }

    /// Records that what the set held before `now` is lost: codes that could have been
    /// admitted then can no longer be told apart from fresh ones. Keeps the latest such moment.
    pub fn mark_lost(&mut self, now: i64) {
        self.lost_at = Some(self.lost_at.map_or(now, |t| t.max(now)));
    }

    /// The last moment the set was lost, if ever.
    pub fn lost_at(&self) -> Option<i64> {
        self.lost_at
    }

    /// Number of remembered codes.
    pub fn len(&self) -> usize {
        self.expiry.len()
    }

    /// Whether no code is remembered.
    pub fn is_empty(&self) -> bool {
        self.expiry.is_empty()
    }

    /// Whether the code was used.
    pub fn contains(&self, key: &ReplayKey) -> bool {
        self.expiry.contains_key(key)
    }

    /// Forgets codes whose time window closed at or before `now`.
    pub fn prune(&mut self, now: i64) {
        while let Some(&(t, k)) = self.by_expiry.first() {
            if t > now {
                break;
            }
            self.by_expiry.pop_first();
            self.expiry.remove(&k);
        }
    }

    /// Remembers a code until `expires_at`. When full, the entry closest to expiry goes first:
    /// at the default capacity that takes more than 65,000 admissions within the time window.
    pub fn insert(&mut self, key: ReplayKey, expires_at: i64) {
        if let Some(old) = self.expiry.insert(key, expires_at) {
            self.by_expiry.remove(&(old, key));
        }
        self.by_expiry.insert((expires_at, key));
        while self.expiry.len() > self.capacity {
            if let Some((_, k)) = self.by_expiry.pop_first() {
                self.expiry.remove(&k);
            }
        }
    }

    /// Bytes to store on the gate, with a checksum so a torn write is detected on restore.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(17 + self.len() * ENTRY_LEN + CHECKSUM_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.lost_at.unwrap_or(NEVER_LOST).to_be_bytes());
        out.extend_from_slice(&(self.len() as u32).to_be_bytes());
        for (t, k) in &self.by_expiry {
            out.extend_from_slice(&t.to_be_bytes());
            out.extend_from_slice(&k.serial.to_be_bytes());
            out.push(k.step_secs);
            out.extend_from_slice(&k.step.to_be_bytes());
            out.push(k.counter);
        }
        let sum = Sha512::digest(&out);
        out.extend_from_slice(&sum[..CHECKSUM_LEN]);
        out
    }

    /// Restores a set saved by [`to_bytes`](Self::to_bytes), dropping entries expired at `now`.
    pub fn from_bytes(bytes: &[u8], capacity: usize, now: i64) -> Result<Self, WireError> {
        let split = bytes
            .len()
            .checked_sub(CHECKSUM_LEN)
            .ok_or(WireError::Truncated)?;
        let (body, sum) = bytes.split_at(split);
        if Sha512::digest(body)[..CHECKSUM_LEN] != *sum {
            return Err(WireError::InvalidField("checksum"));
        }
        let mut r = crate::format::wire::Reader::new(body);
        if r.take(4)? != MAGIC {
            return Err(WireError::InvalidField("magic"));
        }
        let lost_at = match r.u8()? {
            1 => None,
            VERSION => Some(r.u64()? as i64).filter(|&t| t != NEVER_LOST),
            v => return Err(WireError::UnsupportedVersion(v)),
        };
        let count = r.u32()? as usize;
        if r.remaining() != count.saturating_mul(ENTRY_LEN) {
            return Err(WireError::InvalidField("count"));
        }
        let mut set = ReplaySet::new(capacity);
        set.lost_at = lost_at;
        for _ in 0..count {
            let t = r.u64()? as i64;
            let key = ReplayKey {
                serial: r.u64()?,
                step_secs: r.u8()?,
                step: r.u32()?,
                counter: r.u8()?,
            };
            set.insert(key, t);
        }
        set.prune(now);
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const KEY: ReplayKey = ReplayKey {
        serial: 7,
        step_secs: 30,
        step: 1_000,
        counter: 0,
    };

    /// Sets stored by gates before the loss mark existed (version 1) still restore.
    #[test]
    fn a_version_1_set_still_restores() {
        let mut v1 = Vec::new();
        v1.extend_from_slice(MAGIC);
        v1.push(1);
        v1.extend_from_slice(&1u32.to_be_bytes());
        v1.extend_from_slice(&30_060i64.to_be_bytes());
        v1.extend_from_slice(&7u64.to_be_bytes());
        v1.push(30);
        v1.extend_from_slice(&1_000u32.to_be_bytes());
        v1.push(0);
        let sum = Sha512::digest(&v1);
        v1.extend_from_slice(&sum[..CHECKSUM_LEN]);
        let set = ReplaySet::from_bytes(&v1, 10, 30_000).unwrap();
        assert!(set.contains(&KEY));
        assert_eq!(set.lost_at(), None);
    }

    #[test]
    fn the_loss_mark_round_trips_and_keeps_the_latest_moment() {
        let mut set = ReplaySet::new(10);
        set.insert(KEY, 30_060);
        assert_eq!(
            ReplaySet::from_bytes(&set.to_bytes(), 10, 30_000)
                .unwrap()
                .lost_at(),
            None
        );
        set.mark_lost(30_010);
        set.mark_lost(30_005);
        assert_eq!(set.lost_at(), Some(30_010));
        let back = ReplaySet::from_bytes(&set.to_bytes(), 10, 30_000).unwrap();
        assert_eq!(back.lost_at(), Some(30_010));
        assert!(back.contains(&KEY));
    }
}
