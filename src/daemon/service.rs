//! The daemon's HTTP endpoints: `GET /health` (JSON) and `GET /metrics` (Prometheus text).
//!
//! In: the address of `[service] listen` and the shared [`Status`]. Out: a server task on that
//! address. `/health` answers 200 when no source is failing, 503 when every source is; its body
//! has the overall `status` (`ok`, `degraded`, `failing`, or `starting` before any check), the
//! output (`kind`, and the `error` that keeps records from leaving, like a NATS cluster out of
//! reach, which makes the status at least `degraded`), with `nats` output the group (this
//! instance, how many there are, the hosts it holds, its lease changes, the error of its last
//! renewal round, which also makes the status `degraded`) and per source the last success, last
//! error, next check and consecutive failures.
//! Its clients cannot hurt ingestion: at most [`MAX_CONNECTIONS`] are open at once (a new one
//! closes the oldest, which is the idle one whenever requests are answered in milliseconds), a
//! client has [`HEADER_READ_TIMEOUT`] to send its request and [`CONNECTION_LIFETIME`] in all, and
//! one request is answered per connection — so the status server never holds more than
//! `MAX_CONNECTIONS` + 1 file descriptors, whatever its clients do.
//! Never: anything but GET of these two paths, or blocking the scheduler (it reads snapshots).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::cluster::GroupView;
use super::metrics::OutputMetrics;
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
    tokio::spawn(serve(listener, app));
    Ok(())
}

/// Connections open at once; a new one beyond them closes the oldest.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a client has to send its request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection may last in all.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

async fn serve(listener: tokio::net::TcpListener, app: Router) {
    // Each open connection's stop signal, oldest first; a closed one is a finished connection.
    let mut open: VecDeque<tokio::sync::oneshot::Sender<()>> = VecDeque::new();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors, most likely: wait for some to be freed.
                tracing::warn!("The status server could not accept a connection: {err}");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        open.retain(|stop| !stop.is_closed());
        while open.len() >= MAX_CONNECTIONS {
            // Dropping the sender stops that connection's task, which closes its socket.
            open.pop_front();
        }
        let (stop, stopped) = tokio::sync::oneshot::channel();
        open.push_back(stop);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = tokio::time::timeout(CONNECTION_LIFETIME, connection) => {}
                _ = stopped => {}
            }
        });
    }
}

#[derive(serde::Serialize)]
struct Health<'a> {
    status: &'static str,
    output: OutputHealth,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<GroupView>,
    sources: &'a [SourceHealth],
}

#[derive(serde::Serialize)]
struct OutputHealth {
    kind: &'static str,
    error: Option<String>,
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
    let output = OutputHealth {
        kind: status.output.sink_kind(),
        error: status.output.sink_problem(),
    };
    let cluster = status
        .group
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let cluster_error = cluster.as_ref().is_some_and(|group| group.error.is_some());
    let overall = match overall(&sources) {
        "ok" | "starting" if output.error.is_some() || cluster_error => "degraded",
        other => other,
    };
    let code = if overall == "failing" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let body = serde_json::to_string(&Health {
        status: overall,
        output,
        cluster,
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
        status.metrics.render(
            configured,
            &OutputMetrics {
                kind: status.output.sink_kind(),
                up: status.output.sink_problem().is_none(),
                deliveries: status.output.deliveries(),
            },
            status
                .group
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .as_ref(),
        ),
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
