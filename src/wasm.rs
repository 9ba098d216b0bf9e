//! The WebAssembly layer: converts JavaScript arguments, calls the core, converts the result.
//! Errors become a JavaScript `Error` whose `code` property is the stable code and whose
//! message is the Chinese text. Times are JavaScript milliseconds (`Date.now()`).

use ed25519_dalek::SigningKey;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::format::code::{Code, DEFAULT_STEP_SECS};
use crate::format::credential::Credential;
use crate::format::fields::Scene;
use crate::gate::{self, GatePolicy};
use crate::render::{svg, QrMatrix};
use crate::wallet;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
export type SceneName = "general" | "library" | "museum" | "scenic_area";
export interface HolderView { masked_name: string; age_band: string; age_band_label: string; }
export interface Warning { code: string; message: string; }
export interface Verdict {
  admitted: boolean; code: string; message: string; holder: HolderView | null;
  scene: SceneName | null; serial: string | null; clock_offset_secs: number | null;
  warnings: Warning[];
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
export interface CodeView {
  credential: CredentialView;
  presentation: { step_secs: number; step: number; scene: SceneName; counter: number; };
  device_signature: string;
}
"#;

fn js_error(code: &str, message: impl std::fmt::Display) -> JsValue {
    let err = js_sys::Error::new(&message.to_string());
    let _ = js_sys::Reflect::set(&err, &"code".into(), &code.into());
    err.into()
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&ser).map_err(|e| js_error("INTERNAL", e))
}

fn secs(now_ms: f64) -> i64 {
    (now_ms / 1000.0).floor() as i64
}

fn scene(name: &str) -> Result<Scene, JsValue> {
    Scene::parse(name).ok_or_else(|| js_error("INVALID_SCENE", format!("未知场景：{name}")))
}

/// The holder's e-card on the phone: a device key and, once issued, its credential.
#[wasm_bindgen]
pub struct Wallet {
    key: SigningKey,
    wallet: Option<wallet::Wallet>,
}

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

    /// Milliseconds until the code changes.
    #[wasm_bindgen(js_name = msToNext)]
    pub fn ms_to_next(now_ms: f64, step_secs: Option<u8>) -> f64 {
        let step_ms = f64::from(step_secs.unwrap_or(DEFAULT_STEP_SECS).max(1)) * 1000.0;
        step_ms - now_ms.rem_euclid(step_ms)
    }
}

/// An SVG document of the QR code for `text` (level M, 4-module quiet zone).
#[wasm_bindgen(js_name = renderSvg)]
pub fn render_svg(text: &str) -> Result<String, JsValue> {
    let m = QrMatrix::encode(text).map_err(|e| js_error("TOO_LONG", e))?;
    Ok(svg::to_svg(&m))
}

/// The QR module matrix for `text`, for drawing on a canvas.
#[wasm_bindgen(js_name = renderMatrix, unchecked_return_type = "QrModules")]
pub fn render_matrix(text: &str) -> Result<JsValue, JsValue> {
    let m = QrMatrix::encode(text).map_err(|e| js_error("TOO_LONG", e))?;
    to_js(&m)
}

/// Decodes a code without judging it (for support staff and tests).
#[wasm_bindgen(unchecked_return_type = "CodeView")]
pub fn inspect(text: &str) -> Result<JsValue, JsValue> {
    let code = Code::from_text(text).map_err(|e| {
        let r = gate::Refusal::from(e);
        js_error(r.code(), r.message_zh())
    })?;
    to_js(&code)
}

/// A gate at a library, museum or scenic area, verifying codes with no network.
#[wasm_bindgen]
pub struct Gate {
    inner: gate::Gate,
}

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
        to_js(&self.inner.verify(text, secs(now_ms)))
    }

    /// The replay set, to store after each admission.
    #[wasm_bindgen(js_name = saveReplay)]
    pub fn save_replay(&self) -> Vec<u8> {
        self.inner.save_replay()
    }

    /// Restores a stored replay set; returns how many codes it still holds.
    #[wasm_bindgen(js_name = restoreReplay)]
    pub fn restore_replay(&mut self, bytes: &[u8], now_ms: f64) -> Result<u32, JsValue> {
        let n = self
            .inner
            .restore_replay(bytes, secs(now_ms))
            .map_err(|e| js_error("INVALID_REPLAY_STATE", format!("已用码记录损坏：{e}")))?;
        Ok(n as u32)
    }
}
