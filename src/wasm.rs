//! The WebAssembly layer: converts JavaScript arguments, calls the core, converts the result.
//! Errors become a JavaScript `Error` whose `code` property is the stable code and whose
//! message is the Chinese text. Times are JavaScript milliseconds (`Date.now()`).
//!
//! The crate's features choose the exports, one group per web package (wasm-pack.toml):
//! `wallet` (the e-card), `gate` and `decoder` (the gate), `rules` (the application).

#[cfg(feature = "wallet")]
use ed25519_dalek::SigningKey;
#[cfg(any(feature = "wallet", feature = "gate", feature = "rules"))]
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[cfg(feature = "gate")]
use crate::format::code::Code;
#[cfg(feature = "wallet")]
use crate::format::code::DEFAULT_STEP_SECS;
#[cfg(feature = "wallet")]
use crate::format::credential::Credential;
#[cfg(feature = "wallet")]
use crate::format::fields::Scene;
#[cfg(feature = "gate")]
use crate::gate::{self, GatePolicy};
#[cfg(feature = "wallet")]
use crate::render::{svg, QrMatrix};
#[cfg(feature = "rules")]
use crate::rules::{
    application::{self, ApplicationForm, CheckedApplication},
    category,
    date::Date,
    id_number::{IdNumber, IdNumberKind},
    materials::MaterialRequirement,
    photo, Problem, RulesConfig,
};
#[cfg(feature = "wallet")]
use crate::wallet;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
export type SceneName = "general" | "library" | "museum" | "scenic_area";
export interface HolderView { masked_name: string; age_band: string; age_band_label: string; }
export interface Warning { code: string; message: string; }
export interface EntryView { kind: "booking" | "annual_pass" | "priority" | "senior" | "open"; label: string; }
export interface ReaderView { reader_id: string; loan_limit: number; }
export interface Verdict {
  admitted: boolean; code: string; message: string; holder: HolderView | null;
  scene: SceneName | null; serial: string | null; clock_offset_secs: number | null;
  warnings: Warning[]; entry: EntryView | null; reader: ReaderView | null;
}
export interface SyncStatus {
  trust_version: number; revocation_version: number; revoked_count: number;
  issued_at: number | null; usable_until: number | null; stale: boolean;
}
export interface GatePolicy {
  scene?: SceneName; accepted_scenes?: SceneName[]; tolerance_steps?: number;
  min_step_secs?: number; max_step_secs?: number; stale?: "refuse" | "warn";
  replay_capacity?: number;
}
export interface QrModules { version: number; width: number; dark: boolean[]; }
export interface CredentialView {
  body: { issuer_key_id: number; serial: string; card_state: string; not_before: number;
          not_after: number; region: number; age_band: string; device_key: string;
          masked_name: string; };
  issuer_signature: string;
}
export type ApplicantCategory = "citizen" | "hong_kong_macao" | "taiwan" | "overseas_chinese" | "foreigner";
export type DocumentKind = "resident_id" | "residence_permit" | "permanent_residence" | "hk_macao_permit"
  | "taiwan_permit" | "chinese_passport" | "foreign_passport";
export type MaterialKind = "household_register" | "id_card_front" | "id_card_back" | "identity_document" | "photo"
  | "guardian_id_front" | "guardian_id_back" | "guardianship_proof" | "employment_proof" | "insurance_proof";
export type Channel = "self_online" | "window" | "employer" | "school" | "bank";
export type GuardianRelation = "father" | "mother" | "grandparent" | "elder_sibling" | "other_guardian";
export type GuardianshipProof = "household_register" | "birth_certificate";
export interface Organisation { name?: string; uscc?: string; }
export interface ApplicationForm {
  category?: ApplicantCategory | null; name?: string; phone?: string;
  document?: { kind?: DocumentKind | null; number?: string };
  birth_date?: string | null; nationality?: string | null;
  henan_link?: { basis?: "employed" | "insured" | null; employer?: Organisation | null; insurance_number?: string | null } | null;
  guardian?: { name?: string; id_number?: string; relation?: GuardianRelation | null;
               proof?: GuardianshipProof | null } | null;
  /** a bank code from applicationOptions().banks, or "assign" (由人社部门指定) */
  service_bank?: string | null;
  channel?: Channel | null; agent?: Organisation | null;
  materials?: { [kind in MaterialKind]?: string };
}
/** Every field optional: a missing one keeps its default (docs/APPLICATION.md). */
export interface RulesConfig {
  minor?: { threshold_years?: number; age_basis?: "application_date" | "end_of_year"; guardian_min_age?: number };
  photo?: { width?: number; height?: number; min_bytes?: number; max_bytes?: number;
            background?: { top_rows?: number; side_columns?: number; side_height_percent?: number;
                           min_channel?: number; max_spread?: number; min_white_percent?: number } };
  banks?: { code: string; name: string }[];
  window?: { sessions?: { start: string; end: string }[]; open_on_makeup_days?: boolean };
}
export interface Problem { field: string; code: string; message: string; }
export interface MaterialRequirement { kind: MaterialKind; label: string; waived: boolean; }
export interface ApplicationVerdict {
  ok: boolean; problems: Problem[]; materials: MaterialRequirement[]; minor: boolean;
  /** The normalised application when ok (shape in docs/APPLICATION.md), else null. */
  application: Record<string, unknown> | null;
}
export interface PhotoVerdict {
  ok: boolean; problems: Problem[]; width: number | null; height: number | null; bytes: number;
  white_percent: number | null;
}
export interface WindowStatus {
  open: boolean; closes_at: string | null; next_open: string | null; calendar_known: boolean;
  message: string;
}
export interface IdNumberVerdict {
  ok: boolean; problems: Problem[]; number: string | null; masked: string | null;
  birth_date: string | null; age: number | null;
  kind: "citizen" | "hong_kong_permit" | "macao_permit" | "taiwan_permit" | null;
}
export interface ApplicationOptions {
  categories: { value: ApplicantCategory; label: string; documents: { value: DocumentKind; label: string }[];
                needs_henan_link: boolean }[];
  banks: { code: string; name: string }[];
}
export interface CodeView {
  credential: CredentialView;
  presentation: { step_secs: number; step: number; scene: SceneName; counter: number; };
  device_signature: string;
}
"#;

#[cfg(any(feature = "wallet", feature = "gate", feature = "rules"))]
fn js_error(code: &str, message: impl std::fmt::Display) -> JsValue {
    let err = js_sys::Error::new(&message.to_string());
    let _ = js_sys::Reflect::set(&err, &"code".into(), &code.into());
    err.into()
}

#[cfg(any(feature = "wallet", feature = "gate"))]
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&ser).map_err(|e| js_error("INTERNAL", e))
}

/// As `to_js`, with `None` as `null` (the rules' and the verdict's TypeScript types say
/// `| null`).
#[cfg(any(feature = "rules", feature = "gate"))]
fn to_js_nulls<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    value.serialize(&ser).map_err(|e| js_error("INTERNAL", e))
}

#[cfg(any(feature = "wallet", feature = "gate", feature = "rules"))]
fn secs(now_ms: f64) -> i64 {
    (now_ms / 1000.0).floor() as i64
}

/// The rules configuration passed from JavaScript; missing fields keep their defaults.
#[cfg(feature = "rules")]
fn rules_config(config: Option<js_sys::Object>) -> Result<RulesConfig, JsValue> {
    match config {
        None => Ok(RulesConfig::default()),
        Some(c) => {
            serde_wasm_bindgen::from_value(c.into()).map_err(|e| js_error("INVALID_CONFIG", e))
        }
    }
}

#[cfg(feature = "wallet")]
fn scene(name: &str) -> Result<Scene, JsValue> {
    Scene::parse(name).ok_or_else(|| js_error("INVALID_SCENE", format!("未知场景：{name}")))
}

/// The holder's e-card on the phone: a device key and, once issued, its credential.
#[cfg(feature = "wallet")]
#[wasm_bindgen]
pub struct Wallet {
    key: SigningKey,
    wallet: Option<wallet::Wallet>,
}

#[cfg(feature = "wallet")]
#[wasm_bindgen]
impl Wallet {
    /// A new device key from the browser's cryptographic random source.
    pub fn generate() -> Result<Wallet, JsValue> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| js_error("NO_RANDOMNESS", e))?;
        Ok(Wallet {
            key: SigningKey::from_bytes(&seed),
            wallet: None,
        })
    }

    /// The wallet for a stored 32-byte device secret (kept in IndexedDB, never sent anywhere).
    #[wasm_bindgen(js_name = fromSecret)]
    pub fn from_secret(secret: &[u8]) -> Result<Wallet, JsValue> {
        let seed: [u8; 32] = secret
            .try_into()
            .map_err(|_| js_error("INVALID_SECRET", "设备密钥长度应为 32 字节"))?;
        Ok(Wallet {
            key: SigningKey::from_bytes(&seed),
            wallet: None,
        })
    }

    /// The 32-byte device secret, to store on this device only.
    #[wasm_bindgen(js_name = secretKey)]
    pub fn secret_key(&self) -> Vec<u8> {
        self.key.to_bytes().to_vec()
    }

    /// The device public key (hex), to send to the issuer.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// Stores the credential the issuer returned; refuses one made for another device.
    #[wasm_bindgen(js_name = setCredential, unchecked_return_type = "CredentialView")]
    pub fn set_credential(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let cred = Credential::from_bytes(bytes).map_err(|e| js_error("INVALID_CREDENTIAL", e))?;
        let w = wallet::Wallet::new(self.key.clone(), cred).map_err(|e| js_error(e.code(), &e))?;
        let view = to_js(w.credential());
        self.wallet = Some(w);
        view
    }

    /// The stored credential, or `undefined`.
    #[wasm_bindgen(unchecked_return_type = "CredentialView | undefined")]
    pub fn credential(&self) -> Result<JsValue, JsValue> {
        match &self.wallet {
            Some(w) => to_js(w.credential()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The code text for phone time `now_ms`, scene and counter; `step_secs` defaults to 30.
    #[wasm_bindgen(js_name = codeAt)]
    pub fn code_at(
        &self,
        now_ms: f64,
        #[wasm_bindgen(unchecked_param_type = "SceneName")] scene_name: &str,
        counter: u8,
        step_secs: Option<u8>,
    ) -> Result<String, JsValue> {
        self.text_at(now_ms, scene_name, counter, step_secs)
    }

    /// The same code as `codeAt`, drawn as `renderSvg` draws it, in one call: what the e-card
    /// page shows every 30 seconds (the text never goes to JavaScript and back).
    #[wasm_bindgen(js_name = svgAt)]
    pub fn svg_at(
        &self,
        now_ms: f64,
        #[wasm_bindgen(unchecked_param_type = "SceneName")] scene_name: &str,
        counter: u8,
        step_secs: Option<u8>,
    ) -> Result<String, JsValue> {
        render_svg(&self.text_at(now_ms, scene_name, counter, step_secs)?)
    }

    /// Milliseconds until the code changes.
    #[wasm_bindgen(js_name = msToNext)]
    pub fn ms_to_next(now_ms: f64, step_secs: Option<u8>) -> f64 {
        let step_ms = f64::from(step_secs.unwrap_or(DEFAULT_STEP_SECS).max(1)) * 1000.0;
        step_ms - now_ms.rem_euclid(step_ms)
    }
}

#[cfg(feature = "wallet")]
impl Wallet {
    fn text_at(
        &self,
        now_ms: f64,
        scene_name: &str,
        counter: u8,
        step_secs: Option<u8>,
    ) -> Result<String, JsValue> {
        let w = self
            .wallet
            .as_ref()
            .ok_or_else(|| js_error("NO_CREDENTIAL", "尚未领取电子凭证，请联网后重试"))?;
        let step = step_secs.unwrap_or(DEFAULT_STEP_SECS);
        let code = w
            .code_at(secs(now_ms), step, scene(scene_name)?, counter)
            .map_err(|e| js_error(e.code(), &e))?;
        Ok(code.to_text())
    }
}

/// An SVG document of the QR code for `text` (level M, 4-module quiet zone).
#[cfg(feature = "wallet")]
#[wasm_bindgen(js_name = renderSvg)]
pub fn render_svg(text: &str) -> Result<String, JsValue> {
    let m = QrMatrix::encode(text).map_err(|e| js_error("TOO_LONG", e))?;
    Ok(svg::to_svg(&m))
}

/// The QR module matrix for `text`, for drawing on a canvas.
#[cfg(feature = "wallet")]
#[wasm_bindgen(js_name = renderMatrix, unchecked_return_type = "QrModules")]
pub fn render_matrix(text: &str) -> Result<JsValue, JsValue> {
    let m = QrMatrix::encode(text).map_err(|e| js_error("TOO_LONG", e))?;
    to_js(&m)
}

/// Decodes a code without judging it (for support staff and tests).
#[cfg(feature = "gate")]
#[wasm_bindgen(unchecked_return_type = "CodeView")]
pub fn inspect(text: &str) -> Result<JsValue, JsValue> {
    let code = Code::from_text(text).map_err(|e| {
        let r = gate::Refusal::from(e);
        js_error(r.code(), r.message_zh())
    })?;
    to_js(&code)
}

/// A gate at a library, museum or scenic area, verifying codes with no network.
#[cfg(feature = "gate")]
#[wasm_bindgen]
pub struct Gate {
    inner: gate::Gate,
}

#[cfg(feature = "gate")]
#[wasm_bindgen]
impl Gate {
    /// A gate pinned to the root public key (hex), with a policy (`undefined` for the
    /// default of its scene).
    #[wasm_bindgen(constructor)]
    pub fn new(
        root_public_key_hex: &str,
        #[wasm_bindgen(unchecked_param_type = "GatePolicy | undefined")] policy: JsValue,
    ) -> Result<Gate, JsValue> {
        let root: [u8; 32] = hex::decode(root_public_key_hex)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| js_error("INVALID_ROOT_KEY", "根公钥格式错误（应为 64 位十六进制）"))?;
        let policy = if policy.is_undefined() || policy.is_null() {
            GatePolicy::default()
        } else {
            serde_wasm_bindgen::from_value(policy).map_err(|e| js_error("INVALID_POLICY", e))?
        };
        let inner = gate::Gate::new(&root, policy).map_err(|e| js_error(e.code(), &e))?;
        Ok(Gate { inner })
    }

    /// Loads a signed sync bundle; on error the gate keeps what it had.
    #[wasm_bindgen(js_name = loadBundle, unchecked_return_type = "SyncStatus")]
    pub fn load_bundle(&mut self, bytes: &[u8], now_ms: f64) -> Result<JsValue, JsValue> {
        let status = self
            .inner
            .load_bundle(bytes, secs(now_ms))
            .map_err(|e| js_error(e.code(), &e))?;
        to_js(&status)
    }

    /// The synced data's versions and freshness.
    #[wasm_bindgen(js_name = syncStatus, unchecked_return_type = "SyncStatus")]
    pub fn sync_status(&self, now_ms: f64) -> Result<JsValue, JsValue> {
        to_js(&self.inner.sync_status(secs(now_ms)))
    }

    /// Verifies a scanned code at gate time `now_ms`; an admitted code is then used up.
    #[wasm_bindgen(unchecked_return_type = "Verdict")]
    pub fn verify(&mut self, text: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        to_js_nulls(&self.inner.verify(text, secs(now_ms)))
    }

    /// The replay set, to store after each admission.
    #[wasm_bindgen(js_name = saveReplay)]
    pub fn save_replay(&self) -> Vec<u8> {
        self.inner.save_replay()
    }

    /// Marks the replay set lost at `now_ms` (the stored one is missing after a restart): codes
    /// that could have been admitted before are refused until their time is up.
    #[wasm_bindgen(js_name = markReplayLost)]
    pub fn mark_replay_lost(&mut self, now_ms: f64) {
        self.inner.mark_replay_lost(secs(now_ms));
    }

    /// The last moment (Unix milliseconds) the replay set was marked lost, or `undefined`.
    #[wasm_bindgen(js_name = replayLostAt)]
    pub fn replay_lost_at(&self) -> Option<f64> {
        self.inner.replay_lost_at().map(|t| t as f64 * 1000.0)
    }

    /// Until when (Unix milliseconds) codes made before the loss are still refused, or
    /// `undefined` when that is over or the set was never lost.
    #[wasm_bindgen(js_name = replayLostUntil)]
    pub fn replay_lost_until(&self, now_ms: f64) -> Option<f64> {
        self.inner
            .replay_lost_until(secs(now_ms))
            .map(|t| t as f64 * 1000.0)
    }

    /// Restores a stored replay set; returns how many codes it still holds. A loss the gate
    /// already knows of stays marked. On an error the set is marked lost, as `markReplayLost`
    /// does.
    #[wasm_bindgen(js_name = restoreReplay)]
    pub fn restore_replay(&mut self, bytes: &[u8], now_ms: f64) -> Result<u32, JsValue> {
        let n = self
            .inner
            .restore_replay(bytes, secs(now_ms))
            .map_err(|e| js_error("INVALID_REPLAY_STATE", format!("已用码记录损坏：{e}")))?;
        Ok(n as u32)
    }
}

#[cfg(feature = "rules")]
#[derive(Serialize)]
struct ApplicationVerdict {
    ok: bool,
    problems: Vec<Problem>,
    materials: Vec<MaterialRequirement>,
    minor: bool,
    application: Option<CheckedApplication>,
}

/// Checks an application form at phone time `now_ms`; every problem at once. The phone has no
/// data-sharing answer, so every material counts as to be uploaded.
#[cfg(feature = "rules")]
#[wasm_bindgen(js_name = validateApplication, unchecked_return_type = "ApplicationVerdict")]
pub fn validate_application(
    #[wasm_bindgen(unchecked_param_type = "ApplicationForm")] form: JsValue,
    now_ms: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "RulesConfig")] config: Option<js_sys::Object>,
) -> Result<JsValue, JsValue> {
    let form: ApplicationForm =
        serde_wasm_bindgen::from_value(form).map_err(|e| js_error("FORM_MALFORMED", e))?;
    let config = rules_config(config)?;
    let now = secs(now_ms);
    let materials = application::required_materials(&form, now, &config, None);
    let minor = application::is_minor(&form, now, &config).unwrap_or(false);
    let verdict = match application::validate(&form, now, &config, None) {
        Ok(checked) => ApplicationVerdict {
            ok: true,
            problems: Vec::new(),
            materials,
            minor,
            application: Some(checked),
        },
        Err(problems) => ApplicationVerdict {
            ok: false,
            problems,
            materials,
            minor,
            application: None,
        },
    };
    to_js_nulls(&verdict)
}

#[cfg(feature = "rules")]
#[derive(Serialize)]
struct PhotoVerdict {
    ok: bool,
    #[serde(flatten)]
    report: photo::PhotoReport,
}

/// Checks a card photo file's bytes: JPEG by content, 358×441, 24-bit colour, file size, white
/// background.
#[cfg(feature = "rules")]
#[wasm_bindgen(js_name = checkPhoto, unchecked_return_type = "PhotoVerdict")]
pub fn check_photo(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "RulesConfig")] config: Option<js_sys::Object>,
) -> Result<JsValue, JsValue> {
    let report = photo::check(bytes, &rules_config(config)?.photo);
    to_js_nulls(&PhotoVerdict {
        ok: report.ok(),
        report,
    })
}

/// Whether the service window is open at `now_ms`, and when it next opens.
#[cfg(feature = "rules")]
#[wasm_bindgen(js_name = windowStatus, unchecked_return_type = "WindowStatus")]
pub fn window_status(
    now_ms: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "RulesConfig")] config: Option<js_sys::Object>,
) -> Result<JsValue, JsValue> {
    to_js_nulls(&rules_config(config)?.window.status(secs(now_ms)))
}

#[cfg(feature = "rules")]
#[derive(Serialize)]
struct IdNumberVerdict {
    ok: bool,
    problems: Vec<Problem>,
    number: Option<String>,
    masked: Option<String>,
    birth_date: Option<Date>,
    age: Option<u32>,
    kind: Option<IdNumberKind>,
}

/// Checks an 18-character resident ID (or residence permit) number at phone time `now_ms`.
#[cfg(feature = "rules")]
#[wasm_bindgen(js_name = checkIdNumber, unchecked_return_type = "IdNumberVerdict")]
pub fn check_id_number(text: &str, now_ms: f64) -> Result<JsValue, JsValue> {
    let today = Date::from_unix_cst(secs(now_ms));
    let verdict = match IdNumber::parse(text, today.ymd()) {
        Ok(id) => IdNumberVerdict {
            ok: true,
            problems: Vec::new(),
            number: Some(id.as_str().to_string()),
            masked: Some(id.masked()),
            birth_date: Some(id.birth()),
            age: Some(today.years_since(id.birth())),
            kind: Some(id.kind()),
        },
        Err(e) => IdNumberVerdict {
            ok: false,
            problems: vec![Problem::new("", &e)],
            number: None,
            masked: None,
            birth_date: None,
            age: None,
            kind: None,
        },
    };
    to_js_nulls(&verdict)
}

#[cfg(feature = "rules")]
#[derive(Serialize)]
struct Labelled<T> {
    value: T,
    label: &'static str,
}

#[cfg(feature = "rules")]
#[derive(Serialize)]
struct CategoryOption {
    value: category::ApplicantCategory,
    label: &'static str,
    documents: Vec<Labelled<crate::rules::document::DocumentKind>>,
    needs_henan_link: bool,
}

#[cfg(feature = "rules")]
#[derive(Serialize)]
struct ApplicationOptions {
    categories: Vec<CategoryOption>,
    banks: Vec<crate::rules::bank::ServiceBank>,
}

/// The choices for the form's selects: categories with the documents each may use, and the
/// cooperating banks.
#[cfg(feature = "rules")]
#[wasm_bindgen(js_name = applicationOptions, unchecked_return_type = "ApplicationOptions")]
pub fn application_options(
    #[wasm_bindgen(unchecked_optional_param_type = "RulesConfig")] config: Option<js_sys::Object>,
) -> Result<JsValue, JsValue> {
    let categories = category::DOCUMENTS
        .iter()
        .map(|(c, docs)| CategoryOption {
            value: *c,
            label: c.label_zh(),
            documents: docs
                .iter()
                .map(|d| Labelled {
                    value: *d,
                    label: d.label_zh(),
                })
                .collect(),
            needs_henan_link: c.needs_henan_link(),
        })
        .collect();
    to_js_nulls(&ApplicationOptions {
        categories,
        banks: rules_config(config)?.banks,
    })
}

/// The texts of the QR codes in a greyscale picture (`width * height` bytes), for the gate's
/// camera: each text is then given to `Gate.verify`.
#[cfg(feature = "decoder")]
#[wasm_bindgen(js_name = decodeQr)]
pub fn decode_qr(luma: &[u8], width: u32, height: u32) -> Vec<String> {
    crate::render::decode::decode_qr(luma, width as usize, height as usize)
}
