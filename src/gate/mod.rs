//! The gate: verifies codes offline against synced, signed data.
//!
//! Order of checks (each refusal has its own [`Refusal`]): parse → issuer signature (strict
//! ed25519) → credential validity → device signature → time step within tolerance → synced
//! data fresh → not revoked → not used before at this gate → scene accepted → (at a venue's
//! gate) the day's booking, pass or priority entry. A code is remembered as used only when it
//! is admitted.

mod entry;
pub mod fixed_base;
mod policy;
mod refusal;
mod replay;
mod revoked;
pub mod signature;
mod sync;
mod verdict;

pub use entry::{EntryView, ReaderView};
pub use policy::{GatePolicy, StalePolicy};
pub use refusal::{clock_zh, duration_zh, slot_zh, Refusal};
pub use replay::{ReplayKey, ReplaySet};
pub use sync::{ManifestStatus, SyncError, SyncStatus};
pub use verdict::{HolderView, Verdict, Warning};

use ed25519_dalek::{Signature, VerifyingKey};

use crate::format::bundle::SyncBundle;
use crate::format::code::Code;
use crate::format::fields::{day_of, CardState, RevocationReason};
use crate::format::WireError;
use sync::SyncedState;

/// A gate: its pinned root key, its policy, its synced data and its replay set.
#[derive(Debug, Clone)]
pub struct Gate {
    root: VerifyingKey,
    policy: GatePolicy,
    synced: SyncedState,
    replay: ReplaySet,
}

/// A code that passed every check, with the clock offset seen.
struct Admission {
    code: Code,
    offset: i64,
    stale: bool,
    entry: Option<entry::Entry>,
}

/// A failed check: the refusal, the code if its issuer signature verified, the offset if known.
type Failure = (Refusal, Option<Box<Code>>, Option<i64>);

impl Gate {
    /// A gate that trusts trust lists signed by `root_key`.
    pub fn new(root_key: &[u8; 32], policy: GatePolicy) -> Result<Self, SyncError> {
        let root = VerifyingKey::from_bytes(root_key).map_err(|_| SyncError::InvalidRootKey)?;
        let replay = ReplaySet::new(policy.replay_capacity);
        Ok(Gate {
            root,
            policy,
            synced: SyncedState::default(),
            replay,
        })
    }

    /// The gate's policy.
    pub fn policy(&self) -> &GatePolicy {
        &self.policy
    }

    /// Loads a sync bundle. On any error the gate keeps exactly what it had.
    pub fn load_bundle(&mut self, bytes: &[u8], now: i64) -> Result<SyncStatus, SyncError> {
        let bundle = SyncBundle::from_bytes(bytes).map_err(SyncError::Malformed)?;
        self.synced
            .apply(&self.root, &bundle, now, self.policy.venue_id)?;
        Ok(self.synced.status(now))
    }

    /// The synced data's versions and freshness at `now`.
    pub fn sync_status(&self, now: i64) -> SyncStatus {
        self.synced.status(now)
    }

    /// Why the synced revocation state lists `serial`, or `None` when it does not (a binary
    /// search: well under a microsecond for a million entries).
    pub fn revoked(&self, serial: u64) -> Option<RevocationReason> {
        self.synced.revoked.get(serial).map(|(_, reason)| reason)
    }

    /// Verifies a scanned code at gate time `now` (Unix seconds) and, when admitted,
    /// remembers it so the same code is refused next time.
    pub fn verify(&mut self, text: &str, now: i64) -> Verdict {
        self.replay.prune(now);
        match self.check(text, now) {
            Ok(a) => {
                let p = &a.code.presentation;
                let expires = (i64::from(p.step) + i64::from(self.policy.tolerance_steps) + 1)
                    * i64::from(p.step_secs);
                self.replay.insert(ReplayKey::of(&a.code), expires);
                let warnings = if a.stale {
                    vec![stale_warning()]
                } else {
                    Vec::new()
                };
                Verdict::admit(&a.code, a.offset, warnings, a.entry)
            }
            Err((reason, code, offset)) => Verdict::refuse(&reason, code.as_deref(), offset),
        }
    }

    /// Runs every check without remembering the code.
    fn check(&self, text: &str, now: i64) -> Result<Admission, Failure> {
        let code = Code::from_text(text).map_err(|e| (e.into(), None, None))?;
        self.check_issuer(&code, now).map_err(|r| (r, None, None))?;
        let fail = |r: Refusal, offset: Option<i64>| (r, Some(Box::new(code.clone())), offset);
        self.check_validity(&code, now).map_err(|r| fail(r, None))?;
        check_device_signature(&code).map_err(|r| fail(r, None))?;
        let offset = self.check_time(&code, now).map_err(|(r, o)| fail(r, o))?;
        let stale = self
            .check_revocation(&code, now)
            .map_err(|r| fail(r, Some(offset)))?;
        if self.replay.contains(&ReplayKey::of(&code)) {
            return Err(fail(Refusal::Replayed, Some(offset)));
        }
        if let Some(wait) = self.forgotten(&code, now) {
            return Err(fail(Refusal::ReplayStateLost(wait), Some(offset)));
        }
        let scene = code.presentation.scene;
        if !self.policy.accepted_scenes.contains(&scene) {
            return Err(fail(
                Refusal::WrongScene {
                    code: scene,
                    gate: self.policy.scene,
                },
                Some(offset),
            ));
        }
        let entry = match self.policy.venue_id {
            Some(venue) => {
                let manifest = u16::try_from(day_of(now))
                    .ok()
                    .and_then(|d| self.synced.manifests.get(&d));
                Some(entry::check(manifest, venue, &code, now).map_err(|r| fail(r, Some(offset)))?)
            }
            None => None,
        };
        Ok(Admission {
            code,
            offset,
            stale,
            entry,
        })
    }

    fn check_issuer(&self, code: &Code, now: i64) -> Result<(), Refusal> {
        let trust = self.synced.trust.as_ref().ok_or(Refusal::NotSynced)?;
        let body = &code.credential.body;
        let key = trust
            .key(body.issuer_key_id)
            .ok_or(Refusal::UnknownIssuer(body.issuer_key_id))?;
        let today = day_of(now);
        if today < i64::from(key.not_before) || today > i64::from(key.not_after) {
            return Err(Refusal::IssuerKeyNotValid(key.key_id));
        }
        let sig = Signature::from_bytes(&code.credential.issuer_signature);
        if self
            .synced
            .issuer_keys
            .verify(key.key_id, &body.signed_bytes(), &sig)
        {
            Ok(())
        } else {
            Err(Refusal::BadIssuerSignature)
        }
    }

    fn check_validity(&self, code: &Code, now: i64) -> Result<(), Refusal> {
        let body = &code.credential.body;
        if body.card_state != CardState::Normal {
            return Err(Refusal::CardNotNormal(body.card_state));
        }
        let today = day_of(now);
        if today < i64::from(body.not_before) {
            return Err(Refusal::NotYetValid);
        }
        if today > i64::from(body.not_after) {
            return Err(Refusal::Expired);
        }
        Ok(())
    }

    /// Returns the phone's clock offset (whole steps, in seconds) when within tolerance; a
    /// refusal carries the offset when one was measured.
    fn check_time(&self, code: &Code, now: i64) -> Result<i64, (Refusal, Option<i64>)> {
        let p = &code.presentation;
        if p.step_secs < self.policy.min_step_secs || p.step_secs > self.policy.max_step_secs {
            return Err((Refusal::StepNotAllowed(p.step_secs), None));
        }
        let step_secs = i64::from(p.step_secs);
        let steps_ahead = i64::from(p.step) - now.div_euclid(step_secs);
        let offset = steps_ahead * step_secs;
        let tolerance = i64::from(self.policy.tolerance_steps);
        if steps_ahead > tolerance {
            Err((Refusal::ClockAhead(offset), Some(offset)))
        } else if steps_ahead < -tolerance {
            Err((Refusal::ClockBehind(-offset), Some(offset)))
        } else {
            Ok(offset)
        }
    }

    /// When the replay set was lost at a moment this code could already pass the time check
    /// (it may have been admitted then), the seconds until a phone with the right time shows a
    /// code made after it.
    fn forgotten(&self, code: &Code, now: i64) -> Option<i64> {
        let lost_at = self.replay.lost_at()?;
        let p = &code.presentation;
        let step_secs = i64::from(p.step_secs);
        let tolerance = i64::from(self.policy.tolerance_steps);
        let step = i64::from(p.step);
        if (step - tolerance) * step_secs > lost_at {
            return None;
        }
        // The first step whose codes could not pass before `lost_at`: a phone whose clock is
        // right shows it from `first × step_secs` on.
        let first = lost_at.div_euclid(step_secs) + tolerance + 1;
        Some((first * step_secs - now).max(1))
    }

    /// Returns whether the synced data is stale (only possible under [`StalePolicy::Warn`]).
    fn check_revocation(&self, code: &Code, now: i64) -> Result<bool, Refusal> {
        let stale = self.synced.is_stale(now);
        if stale && self.policy.stale == StalePolicy::Refuse {
            return Err(Refusal::BundleStale);
        }
        match self.synced.revoked.get(code.credential.body.serial) {
            Some((_, reason)) => Err(Refusal::Revoked(reason)),
            None => Ok(stale),
        }
    }

    /// The replay set's bytes, to store on the gate after each admission.
    pub fn save_replay(&self) -> Vec<u8> {
        self.replay.to_bytes()
    }

    /// Restores a stored replay set (after a restart), so used codes stay refused. A loss this
    /// gate already knows of is kept (the later mark of the two holds): restoring an older set
    /// never reopens codes. Bytes that do not read as a saved set (torn, altered) leave the
    /// gate's set marked lost at `now`, as [`mark_replay_lost`](Self::mark_replay_lost) does: a
    /// damaged record must not reopen the codes it held.
    pub fn restore_replay(&mut self, bytes: &[u8], now: i64) -> Result<usize, WireError> {
        match ReplaySet::from_bytes(bytes, self.policy.replay_capacity, now) {
            Ok(mut set) => {
                if let Some(lost_at) = self.replay.lost_at() {
                    set.mark_lost(lost_at);
                }
                self.replay = set;
                Ok(self.replay.len())
            }
            Err(e) => {
                self.replay.mark_lost(now);
                Err(e)
            }
        }
    }

    /// Records that the stored replay set was lost (missing or unreadable after a restart) at
    /// `now`: until their time is up, codes that could have been admitted before are refused
    /// with [`Refusal::ReplayStateLost`] instead of being admitted a second time. Save the set
    /// afterwards, so the mark survives the next restart.
    pub fn mark_replay_lost(&mut self, now: i64) {
        self.replay.mark_lost(now);
    }

    /// The last moment the replay set was marked lost, if ever.
    pub fn replay_lost_at(&self) -> Option<i64> {
        self.replay.lost_at()
    }

    /// Until when codes made before the loss can still reach check 16a and be refused with
    /// [`Refusal::ReplayStateLost`] (the longest step's codes included), if that is after `now`:
    /// how long the gate should tell its staff why holders must wait.
    pub fn replay_lost_until(&self, now: i64) -> Option<i64> {
        let lost_at = self.replay.lost_at()?;
        let window =
            (2 * i64::from(self.policy.tolerance_steps) + 1) * i64::from(self.policy.max_step_secs);
        let until = lost_at.saturating_add(window);
        (until > now).then_some(until)
    }

    /// Number of codes remembered as used.
    pub fn replay_len(&self) -> usize {
        self.replay.len()
    }
}

fn check_device_signature(code: &Code) -> Result<(), Refusal> {
    let vk = VerifyingKey::from_bytes(&code.credential.body.device_key)
        .map_err(|_| Refusal::WeakDeviceKey)?;
    if vk.is_weak() {
        return Err(Refusal::WeakDeviceKey);
    }
    let sig = Signature::from_bytes(&code.device_signature);
    if signature::verify_strict(&vk, &code.signed_bytes(), &sig) {
        Ok(())
    } else {
        Err(Refusal::BadDeviceSignature)
    }
}

fn stale_warning() -> Warning {
    Warning {
        code: "BUNDLE_STALE",
        message: "闸机数据已过期，请尽快联网同步".into(),
    }
}
