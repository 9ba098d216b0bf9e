//! Citizen accounts: register with real-name details, log in, log out, who am I.

use super::extract::Json;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{self, Citizen, CITIZEN_COOKIE};
use super::error::{ApiError, ApiResult};
use super::pii;
use super::state::AppState;
use super::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    name: String,
    id_number: String,
    phone: String,
    password: String,
}

/// `POST /api/citizens/register`
pub async fn register(
    State(state): State<AppState>,
    Json(r): Json<Register>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let name = validate::name("name", &r.name)?;
    let id = validate::id_number("id_number", &r.id_number, state.now())?;
    let phone = validate::phone("phone", &r.phone)?;
    let password = validate::password("password", &r.password)?;
    let hash = auth::hash_password(password).await?;
    let inserted: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO users (name, id_number, id_index, phone, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(&name)
    .bind(state.keys.pii.seal_text(pii::ID_NUMBER, id.as_str())?)
    .bind(state.keys.pii.index(id.as_str()))
    .bind(&phone)
    .bind(hash)
    .bind(state.now())
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((user_id,)) = inserted else {
        return Err(ApiError::conflict(
            "ALREADY_REGISTERED",
            "该身份证号或手机号已注册，请直接登录",
        ));
    };
    tracing::info!(user_id, "citizen registered");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": user_id, "name": name, "id_number": id.masked() })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    phone: String,
    password: String,
}

/// `POST /api/citizens/login`: sets the session cookie.
pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Json(l): Json<Login>,
) -> ApiResult<(CookieJar, Json<Value>)> {
    let phone = l.phone.trim();
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, password_hash FROM users WHERE phone = $1")
            .bind(phone)
            .fetch_optional(&state.db.pool)
            .await?;
    let (cookie, name) = auth::login(
        &state,
        ("citizen", phone),
        row,
        l.password,
        "手机号或密码不正确",
    )
    .await?;
    Ok((jar.add(cookie), Json(json!({ "name": name }))))
}

/// `POST /api/citizens/logout`
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    auth::end_session(&state, &jar, CITIZEN_COOKIE).await?;
    Ok((jar.remove(CITIZEN_COOKIE), StatusCode::NO_CONTENT))
}

/// `GET /api/me`: the holder's own details, masked as on any screen, and their card.
pub async fn me(State(state): State<AppState>, c: Citizen) -> ApiResult<Json<Value>> {
    let (name, id_number, phone): (String, String, String) =
        sqlx::query_as("SELECT name, id_number, phone FROM users WHERE id = $1")
            .bind(c.user_id)
            .fetch_one(&state.db.pool)
            .await?;
    let card = latest_card(&state, c.user_id).await?;
    let masked_id = validate::mask_id(&state.keys.pii.open_text(pii::ID_NUMBER, &id_number)?);
    Ok(Json(json!({
        "name": name,
        "masked_name": ecard_core::issuer::mask_name(&name),
        "id_number": masked_id,
        "phone": validate::mask_phone(&phone),
        "card": card.map(|(number, state)| json!({ "card_number": number, "state": state })),
    })))
}

/// The newest card held by the account's person (by ID number): (card number, state).
async fn latest_card(state: &AppState, user_id: i64) -> ApiResult<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT card_number, state FROM cards \
         WHERE holder_id_index = (SELECT u.id_index FROM users u WHERE u.id = $1) \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&state.db.pool)
    .await?)
}

/// `GET /api/me/details`: the holder's own full details, for their own screen only ("显示卡号").
/// Never cached.
pub async fn details(State(state): State<AppState>, c: Citizen) -> ApiResult<impl IntoResponse> {
    let (name, id_number): (String, String) =
        sqlx::query_as("SELECT name, id_number FROM users WHERE id = $1")
            .bind(c.user_id)
            .fetch_one(&state.db.pool)
            .await?;
    let card = latest_card(&state, c.user_id).await?;
    let body = json!({
        "name": name,
        "id_number": state.keys.pii.open_text(pii::ID_NUMBER, &id_number)?,
        "card_number": card.as_ref().map(|(n, _)| n),
        "card_state": card.as_ref().map(|(_, s)| s),
    });
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)))
}
