//! The gate's memory of codes it admitted, so each is used once. Entries are needed only while
//! their code could still pass the time check; after that the time check refuses it anyway, so
//! the set stays small (about one entry per admission in the last ~90 seconds).

use std::collections::{BTreeSet, HashMap};

use sha2::{Digest, Sha512};

use crate::format::code::Code;
use crate::format::WireError;

const MAGIC: &[u8; 4] = b"HNRP";
const VERSION: u8 = 1;
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
}

impl ReplaySet {
    /// An empty set holding at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        ReplaySet {
            capacity: capacity.max(1),
            expiry: HashMap::new(),
            by_expiry: BTreeSet::new(),
        }
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
        let mut out = Vec::with_capacity(9 + self.len() * ENTRY_LEN + CHECKSUM_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
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
        let version = r.u8()?;
        if version != VERSION {
            return Err(WireError::UnsupportedVersion(version));
        }
        let count = r.u32()? as usize;
        if r.remaining() != count.saturating_mul(ENTRY_LEN) {
            return Err(WireError::InvalidField("count"));
        }
        let mut set = ReplaySet::new(capacity);
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
