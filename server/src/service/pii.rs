//! Personal data at rest. ID numbers (the applicant's, a guardian's, every document number),
//! the stored application forms (birth dates, guardians) and uploaded files (photos, document
//! scans) are sealed with XChaCha20-Poly1305 before they reach the database; equality lookups
//! (one open application per person, the holder's card, duplicate registration) go through a
//! keyed blind index, HMAC-SHA256 of the normalised number. Idempotency hashes of requests that
//! carry ID numbers are keyed the same way, so the database alone gives nothing to brute-force.
//!
//! The 32-byte master key comes from `ECARD_PII_KEY` (64 hex digits) when set, else from
//! `DATA/keys/pii.key` (mode 0600, created on first start). It is never in the database. Two
//! keys are derived from it: one for the AEAD, one for the index and request hashes.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::db::{Backend, Db};
use super::error::{ApiError, ApiResult};
use crate::error::{CliError, CliResult};
use crate::files;

/// The environment variable that may carry the master key instead of the file.
pub const KEY_ENV: &str = "ECARD_PII_KEY";
/// The key file's name in `DATA/keys/`.
pub const KEY_FILE: &str = "pii.key";

/// What a sealed text value starts with.
const TEXT_PREFIX: &str = "enc1:";
/// What a sealed file starts with (no JPEG, PNG or PDF starts so).
const BYTES_PREFIX: &[u8] = b"ECE1";
const NONCE_LEN: usize = 24;

/// Associated data: an ID number sealed for one column cannot be passed off as another kind of
/// value (a form, a file).
pub const ID_NUMBER: &str = "id_number";
pub const FORM: &str = "application";

/// The keys that protect personal data at rest.
pub struct Pii {
    aead: XChaCha20Poly1305,
    index_key: [u8; 32],
}

type HmacSha256 = Hmac<Sha256>;

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

fn parse_key(text: &str, origin: &str) -> CliResult<[u8; 32]> {
    hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            CliError::new(
                "PII_KEY_INVALID",
                format!("个人数据密钥（{origin}）应为 64 位十六进制数字"),
            )
        })
}

impl Pii {
    /// From a master key.
    pub fn from_master(master: &[u8; 32]) -> Self {
        Pii {
            aead: XChaCha20Poly1305::new(&derive(master, "ecard pii aead v1").into()),
            index_key: derive(master, "ecard pii index v1"),
        }
    }

    /// The key of `ECARD_PII_KEY`, else of `keys_dir/pii.key`, created (0600) when missing.
    pub fn open_or_create(keys_dir: &Path) -> CliResult<Self> {
        if let Ok(text) = std::env::var(KEY_ENV) {
            return Ok(Self::from_master(&parse_key(&text, KEY_ENV)?));
        }
        let path = keys_dir.join(KEY_FILE);
        if !path.exists() {
            let mut master = [0u8; 32];
            getrandom::getrandom(&mut master)
                .map_err(|e| CliError::new("RANDOM", format!("无法生成随机数：{e}")))?;
            files::write_secret(
                &path,
                format!("{}\n", hex::encode(master)).as_bytes(),
                false,
            )?;
        }
        let text = files::read(&path, "个人数据密钥")?;
        let text = String::from_utf8_lossy(&text);
        Ok(Self::from_master(&parse_key(
            &text,
            &path.display().to_string(),
        )?))
    }

    /// The blind index of an ID or document number: equal numbers (case and surrounding space
    /// aside) give equal indexes; without the key it says nothing about the number.
    pub fn index(&self, number: &str) -> String {
        self.keyed_hash(&[b"id", number.trim().to_ascii_uppercase().as_bytes()])
    }

    /// A keyed hash of the given parts (each length-prefixed), in hex.
    pub fn keyed_hash(&self, parts: &[&[u8]]) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.index_key).expect("any key length");
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    fn seal(&self, context: &str, plain: &[u8]) -> ApiResult<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce).map_err(ApiError::internal)?;
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| ApiError::internal("sealing failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, context: &str, sealed: &[u8]) -> ApiResult<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return Err(ApiError::internal("sealed value too short"));
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| ApiError::internal("a sealed value does not open (wrong PII key?)"))
    }

    /// Seals text for a TEXT column: `enc1:` and hex.
    pub fn seal_text(&self, context: &str, plain: &str) -> ApiResult<String> {
        Ok(format!(
            "{TEXT_PREFIX}{}",
            hex::encode(self.seal(context, plain.as_bytes())?)
        ))
    }

    /// Opens a sealed TEXT value; a value stored before sealing existed is returned as it is.
    pub fn open_text(&self, context: &str, stored: &str) -> ApiResult<String> {
        let Some(hex_text) = stored.strip_prefix(TEXT_PREFIX) else {
            return Ok(stored.to_string());
        };
        let sealed = hex::decode(hex_text).map_err(ApiError::internal)?;
        String::from_utf8(self.open(context, &sealed)?).map_err(ApiError::internal)
    }

    /// Seals a file for a BLOB column, bound to its upload id.
    pub fn seal_file(&self, upload_id: &str, plain: &[u8]) -> ApiResult<Vec<u8>> {
        let mut out = BYTES_PREFIX.to_vec();
        out.extend(self.seal(&format!("upload:{upload_id}"), plain)?);
        Ok(out)
    }

    /// Opens a sealed file; one stored before sealing existed is returned as it is.
    pub fn open_file(&self, upload_id: &str, stored: Vec<u8>) -> ApiResult<Vec<u8>> {
        match stored.strip_prefix(BYTES_PREFIX) {
            Some(sealed) => self.open(&format!("upload:{upload_id}"), sealed),
            None => Ok(stored),
        }
    }
}

fn is_sealed(text: &str) -> bool {
    text.starts_with(TEXT_PREFIX)
}

/// Seals the ID numbers in `table.number` whose blind index (`table.index`) is missing.
async fn seal_numbers(
    db: &Db,
    pii: &Pii,
    table: &str,
    number: &str,
    index: &str,
) -> ApiResult<u64> {
    let mut sealed = 0;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT id, {number} FROM {table} WHERE {index} IS NULL AND {number} IS NOT NULL \
             ORDER BY id LIMIT $1"
        ))
        .bind(ROUND)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(sealed);
        }
        for (id, stored) in rows {
            let plain = pii.open_text(ID_NUMBER, &stored)?;
            sqlx::query(&format!(
                "UPDATE {table} SET {number} = $1, {index} = $2 WHERE id = $3"
            ))
            .bind(pii.seal_text(ID_NUMBER, &plain)?)
            .bind(pii.index(&plain))
            .bind(id)
            .execute(&db.pool)
            .await?;
            sealed += 1;
        }
    }
}

/// Rows handled per round of [`seal_existing`].
const ROUND: i64 = 200;

/// Seals what an older version stored in plain text (run on start, before serving): ID
/// numbers get their blind index, forms and files are encrypted. Returns how many values were
/// sealed. On SQLite the freed pages are zeroed (`secure_delete`) and the WAL truncated, so no
/// plain copy stays in the files; on PostgreSQL old row versions stay on disk until `VACUUM
/// FULL` (run here when something was sealed).
pub async fn seal_existing(db: &Db, pii: &Pii) -> ApiResult<u64> {
    let mut sealed = 0u64;
    // Users and cards: the ID number and its index.
    sealed += seal_numbers(db, pii, "users", "id_number", "id_index").await?;
    sealed += seal_numbers(db, pii, "cards", "holder_id_number", "holder_id_index").await?;
    // Applications: the applicant's number and index, and the form.
    loop {
        let rows: Vec<(i64, Option<String>, String)> = sqlx::query_as(
            "SELECT id, applicant_id_number, data FROM applications \
             WHERE (applicant_id_index IS NULL AND applicant_id_number IS NOT NULL) \
                OR data NOT LIKE 'enc1:%' ORDER BY id LIMIT $1",
        )
        .bind(ROUND)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for (id, number, data) in rows {
            let (number, index) = match number {
                Some(n) => {
                    let plain = pii.open_text(ID_NUMBER, &n)?;
                    (
                        Some(pii.seal_text(ID_NUMBER, &plain)?),
                        Some(pii.index(&plain)),
                    )
                }
                None => (None, None),
            };
            let data = if is_sealed(&data) {
                data
            } else {
                pii.seal_text(FORM, &data)?
            };
            sqlx::query(
                "UPDATE applications SET applicant_id_number = $1, applicant_id_index = $2, data = $3 \
                 WHERE id = $4",
            )
            .bind(number)
            .bind(index)
            .bind(data)
            .bind(id)
            .execute(&db.pool)
            .await?;
            sealed += 1;
        }
    }
    // Uploads: the files.
    loop {
        let rows: Vec<(String, Vec<u8>)> =
            sqlx::query_as("SELECT id, bytes FROM uploads WHERE sealed = 0 ORDER BY id LIMIT $1")
                .bind(ROUND)
                .fetch_all(&db.pool)
                .await?;
        if rows.is_empty() {
            break;
        }
        for (id, stored) in rows {
            let plain = pii.open_file(&id, stored)?;
            sqlx::query("UPDATE uploads SET bytes = $1, sealed = 1 WHERE id = $2")
                .bind(pii.seal_file(&id, &plain)?)
                .bind(&id)
                .execute(&db.pool)
                .await?;
            sealed += 1;
        }
    }
    if sealed > 0 {
        // Leave no plain copy behind in free pages, the WAL or old row versions.
        let cleanup = match db.backend {
            Backend::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE)",
            Backend::Postgres => "VACUUM FULL users, applications, cards, uploads",
        };
        sqlx::query(cleanup).execute(&db.pool).await?;
        if db.backend == Backend::Sqlite {
            sqlx::query("VACUUM").execute(&db.pool).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&db.pool)
                .await?;
        }
        tracing::info!(sealed, "personal data stored in plain text was sealed");
    }
    Ok(sealed)
}
