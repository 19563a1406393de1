//! The daemon's HTTP endpoints: `GET /health` (JSON) and `GET /metrics` (Prometheus text).
//!
//! In: the address of `[service] listen` and the shared [`Status`]. Out: a server task on that
//! address. `/health` answers 200 when no source is failing, 503 when every source is; its body
//! has the overall `status` (`ok`, `degraded`, `failing`, or `starting` before any check) and
//! per source the last success, last error, next check and consecutive failures.
//! Never: anything but GET of these two paths, or blocking the scheduler (it reads snapshots).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::{DaemonError, SourceHealth, Status};

/// Binds `listen` and serves the endpoints in a background task.
pub async fn start(listen: SocketAddr, status: Arc<Status>) -> Result<(), DaemonError> {
    let listener =
        tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| DaemonError::Listen {
                addr: listen.to_string(),
                message: e.to_string(),
            })?;
    let app = Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(status);
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!("The /health and /metrics server stopped: {err}");
        }
    });
    Ok(())
}

#[derive(serde::Serialize)]
struct Health<'a> {
    status: &'static str,
    sources: &'a [SourceHealth],
}

/// `ok`, `degraded` (some sources failing), `failing` (all), or `starting` (nothing checked).
pub fn overall(sources: &[SourceHealth]) -> &'static str {
    let failing = sources
        .iter()
        .filter(|s| s.consecutive_failures > 0)
        .count();
    let checked = sources
        .iter()
        .filter(|s| s.last_success.is_some() || s.last_failure.is_some())
        .count();
    if !sources.is_empty() && failing == sources.len() {
        "failing"
    } else if failing > 0 {
        "degraded"
    } else if checked == 0 && !sources.is_empty() {
        "starting"
    } else {
        "ok"
    }
}

async fn health(
    axum::extract::State(status): axum::extract::State<Arc<Status>>,
) -> impl IntoResponse {
    let sources = status
        .sources
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let overall = overall(&sources);
    let code = if overall == "failing" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let body = serde_json::to_string(&Health {
        status: overall,
        sources: &sources,
    })
    .unwrap_or_else(|e| format!("{{\"status\":\"error\",\"error\":\"{e}\"}}"));
    (code, [(header::CONTENT_TYPE, "application/json")], body)
}

async fn metrics(
    axum::extract::State(status): axum::extract::State<Arc<Status>>,
) -> impl IntoResponse {
    let configured = status
        .sources
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .len();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        status.metrics.render(configured),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(failures: u32, checked: bool) -> SourceHealth {
        SourceHealth {
            consecutive_failures: failures,
            last_success: checked.then(chrono::Utc::now),
            ..SourceHealth::default()
        }
    }

    #[test]
    fn overall_status() {
        assert_eq!(overall(&[]), "ok");
        assert_eq!(overall(&[source(0, false)]), "starting");
        assert_eq!(overall(&[source(0, true), source(0, false)]), "ok");
        assert_eq!(overall(&[source(0, true), source(2, true)]), "degraded");
        assert_eq!(overall(&[source(1, true), source(2, true)]), "failing");
    }
}
