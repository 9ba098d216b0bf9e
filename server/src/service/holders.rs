//! The holder handle: a random number per person (per account), made on first need and never
//! changed. Credential serials carry it (`serial = handle << 24 | n`, see
//! `ecard_core::format::manifest`), so a venue's gate can match a code against the day's
//! bookings and a library desk can derive a stable reader id, without an ID number.

use ecard_core::format::manifest::{serial_for, HOLDER_SHIFT, MAX_HOLDER};
use sqlx::AnyConnection;

use super::error::{ApiError, ApiResult};

/// The handle of `user_id`, made in the transaction `conn` is in when the person has none yet.
pub async fn handle(conn: &mut AnyConnection, user_id: i64) -> ApiResult<i64> {
    for _ in 0..8 {
        let found: Option<(i64,)> = sqlx::query_as("SELECT handle FROM holders WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some((h,)) = found {
            return Ok(h);
        }
        let mut raw = [0u8; 8];
        getrandom::getrandom(&mut raw).map_err(ApiError::internal)?;
        let candidate = (u64::from_be_bytes(raw) % MAX_HOLDER + 1) as i64;
        // A clash on the handle (about one in 10^4 at 10^8 people) leaves nothing inserted:
        // draw again.
        sqlx::query("INSERT INTO holders (user_id, handle) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(candidate)
            .execute(&mut *conn)
            .await?;
    }
    Err(ApiError::internal("no free holder handle after 8 draws"))
}

/// The next credential serial of `user_id`: one statement once the person has a handle.
pub async fn next_serial(conn: &mut AnyConnection, user_id: i64) -> ApiResult<i64> {
    let bump = || {
        sqlx::query_as::<_, (i64, i64)>(
            "UPDATE holders SET credentials = credentials + 1 WHERE user_id = $1 \
             RETURNING handle, credentials",
        )
        .bind(user_id)
    };
    let (h, n) = match bump().fetch_optional(&mut *conn).await? {
        Some(row) => row,
        None => {
            handle(conn, user_id).await?;
            bump().fetch_one(&mut *conn).await?
        }
    };
    if n >= 1 << HOLDER_SHIFT {
        return Err(ApiError::internal(
            "credential numbers of one holder exhausted",
        ));
    }
    Ok(serial_for(h as u64, n as u32) as i64)
}
