//! Full revocation lists and deltas as a gate applies them. Random signatures never get past
//! the signature check, so this target signs what it is given: the input is a sequence of
//! lists (full or delta, versions, entries), grouped into bundles, each signed with the
//! fixture issuer key and loaded into a synced gate. After every bundle the gate must match a
//! model of the documented rules (docs/FORMAT.md, `RevocationListBody::base_version`): a full
//! list replaces the state unless older, a delta needs the gate at its base or later and adds
//! entries, an older delta changes nothing, a bundle with one bad list changes nothing, and
//! entries of expired credentials are dropped.
#![no_main]

use std::collections::BTreeMap;

use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::revocation::{RevocationList, Revoked};
use ecard_core::issuer::sign_revocation_list;
use ecard_core::RevocationReason;
use ecard_fuzz::common::{issuer_key, revocation_body, today, NOW, SERIAL};
use ecard_fuzz::{golden_text, synced_gate};
use libfuzzer_sys::fuzz_target;

const SERIALS: [u64; 5] = [SERIAL, SERIAL + 1, 1, 2, u64::MAX];

#[derive(Clone, Default)]
struct Model {
    version: u32,
    revoked: BTreeMap<u64, u16>,
}

impl Model {
    fn apply(&mut self, list: &RevocationList) -> Result<(), ()> {
        let b = &list.body;
        if b.is_delta() {
            if self.version < b.base_version {
                return Err(());
            }
        } else if b.list_version < self.version {
            return Err(());
        } else {
            self.revoked.clear();
        }
        if b.list_version < self.version {
            return Ok(());
        }
        for e in &b.entries {
            self.revoked.insert(e.serial, e.not_after);
        }
        self.version = b.list_version;
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut gate = synced_gate();
    let mut model = Model {
        version: 1,
        revoked: BTreeMap::new(),
    };
    let code = golden_text();
    let mut bytes = data;
    let mut pending: Vec<RevocationList> = Vec::new();
    while let Some(([flags, version, base, n], rest)) =
        bytes.split_first_chunk::<4>().map(|(h, r)| (*h, r))
    {
        let n = usize::from(n % 8).min(rest.len() / 2);
        let (entry_bytes, rest) = rest.split_at(n * 2);
        bytes = rest;
        let version = u32::from(version % 8);
        let base = if flags & 1 == 0 {
            0
        } else {
            u32::from(base % 8)
        };
        let serials: Vec<(u64, RevocationReason)> = entry_bytes
            .chunks(2)
            .map(|e| {
                let reason = RevocationReason::ALL[usize::from(e[1]) % RevocationReason::ALL.len()];
                (SERIALS[usize::from(e[0]) % SERIALS.len()], reason)
            })
            .collect();
        let mut body = revocation_body(version, base, &serials);
        for (e, raw) in body.entries.iter_mut().zip(entry_bytes.chunks(2)) {
            *e = Revoked {
                not_after: today() - 2 + u16::from(raw[1] >> 5),
                ..*e
            };
        }
        let Ok(list) = sign_revocation_list(&issuer_key(), body) else {
            continue; // a list no signer makes (base not below version)
        };
        pending.push(list);
        if flags & 2 == 0 && !bytes.is_empty() {
            continue;
        }
        let bundle = SyncBundle {
            trust: None,
            revocations: std::mem::take(&mut pending),
            manifests: Vec::new(),
        };
        let mut next = model.clone();
        let ok = bundle.revocations.iter().all(|l| next.apply(l).is_ok());
        let loaded = gate.load_bundle(&bundle.to_bytes().unwrap(), NOW);
        assert_eq!(loaded.is_ok(), ok, "{loaded:?}");
        if ok {
            let today = i64::from(today());
            next.revoked
                .retain(|_, not_after| i64::from(*not_after) >= today);
            model = next;
        }
        let status = gate.sync_status(NOW);
        assert_eq!(status.revocation_version, model.version);
        assert_eq!(status.revoked_count, model.revoked.len());
        let v = gate.clone().verify(code, NOW);
        assert_eq!(
            v.code == "REVOKED",
            model.revoked.contains_key(&SERIAL),
            "{}",
            v.message
        );
        assert_eq!(v.admitted, !model.revoked.contains_key(&SERIAL));
    }
});
