//! The daemon (`nahar run`): every source on its own schedule until told to stop.
//!
//! In: a validated [`Config`], its path (for SIGHUP reloads) and the opened [`Output`]. Out:
//! checks through [`Ingester::ingest_source`] — the same path as `nahar fetch` — at the times
//! [`schedule::next_check`] decides; `/health` and `/metrics` when `[service] listen` is set;
//! a clean stop on SIGINT/SIGTERM (in-flight checks finish within `shutdown_grace`, then are
//! abandoned — safely, because a batch is journalled before it is written).
//! Never: lets a failing or slow source delay another (each check is its own task), swaps in an
//! invalid config (every error is logged and the running config kept), or loses the schedule
//! on restart (the next check is kept in the state store).

pub mod metrics;
pub mod schedule;
pub mod service;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::{Config, Defaults, Interval, SourceConfig, format_duration};
use crate::pipeline::{Ingester, Output};
use crate::report::SourceReport;
use crate::state::Cadence;
use metrics::Metrics;
use schedule::{Base, Inputs, Outcome};

/// Most checks in flight at once across all sources; politeness per host is the fetcher's.
pub const MAX_CHECKS_IN_FLIGHT: usize = 64;

/// What a signal asks the daemon to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Shutdown,
    Reload,
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("[service] listen = {addr}: {message}")]
    Listen { addr: String, message: String },
    #[error("signal handlers: {0}")]
    Signals(String),
    #[error("setting up the HTTP client: {0}")]
    Client(String),
}

/// What `/health` shows about one source.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SourceHealth {
    pub name: String,
    pub url: String,
    /// The interval the source runs at (before server hints, backoff and jitter), as the config
    /// writes durations.
    pub interval: String,
    /// Where that interval comes from: `configured`, or for `auto`, `item_dates`, `arrivals`
    /// or `fallback` (nothing learned yet).
    pub interval_from: &'static str,
    pub last_success: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub next_check: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub checking: bool,
}

/// State shared with the HTTP endpoints.
#[derive(Debug, Default)]
pub struct Status {
    pub sources: Mutex<Vec<SourceHealth>>,
    pub metrics: Metrics,
}

/// One scheduled source.
#[derive(Debug)]
struct Slot {
    config: SourceConfig,
    due: Instant,
    checking: bool,
    /// Checks of this source so far (varies the jitter from one check to the next).
    round: u64,
    health: SourceHealth,
    cadence: Option<Cadence>,
    /// Not before this, the server asked (`Retry-After`, cache hints): no reload hurries it.
    not_before: Instant,
}

impl Slot {
    fn new(config: SourceConfig, due: Instant, health: SourceHealth) -> Slot {
        Slot {
            config,
            due,
            checking: false,
            round: 0,
            health,
            cadence: None,
            not_before: due,
        }
    }

    /// The interval rule of the schedule for this source; its health says the interval it runs
    /// at and where that comes from, and a change of an `auto` interval is logged.
    fn base(&mut self, defaults: &Defaults) -> Base {
        let (base, from) = schedule::base(self.config.interval, self.cadence, defaults);
        let interval = format_duration(schedule::running_interval(base, defaults));
        if interval != self.health.interval || from.as_str() != self.health.interval_from {
            if matches!(self.config.interval, Interval::Auto) {
                tracing::info!(
                    source = %self.config.name,
                    interval = %interval,
                    from = from.as_str(),
                    "Interval chosen."
                );
            }
            self.health.interval = interval;
            self.health.interval_from = from.as_str();
        }
        base
    }
}

/// Runs until SIGINT/SIGTERM.
pub async fn run(
    config_path: PathBuf,
    config: Config,
    output: Arc<Output>,
) -> Result<(), DaemonError> {
    let mut sigterm =
        signal(SignalKind::terminate()).map_err(|e| DaemonError::Signals(e.to_string()))?;
    let mut sigint =
        signal(SignalKind::interrupt()).map_err(|e| DaemonError::Signals(e.to_string()))?;
    let mut sighup =
        signal(SignalKind::hangup()).map_err(|e| DaemonError::Signals(e.to_string()))?;

    let status = Arc::new(Status::default());
    if let Some(listen) = config.service.as_ref().and_then(|s| s.listen) {
        service::start(listen, status.clone()).await?;
        tracing::info!(listen = %listen, "Serving /health and /metrics.");
    }
    let mut config = config;
    let mut ingester =
        Ingester::new(&config, output.clone()).map_err(|e| DaemonError::Client(e.to_string()))?;
    let mut slots: HashMap<String, Slot> = HashMap::new();
    for source in &config.sources {
        let slot = restore_slot(&output, source, &config);
        slots.insert(source.name.clone(), slot);
    }
    publish_health(&status, &config, &slots);
    tracing::info!(
        sources = config.sources.len(),
        config = %config_path.display(),
        "Daemon started."
    );

    let mut tasks: JoinSet<SourceReport> = JoinSet::new();
    let control = loop {
        let now = Instant::now();
        let mut started = false;
        for name in due_sources(&config, &slots, now, MAX_CHECKS_IN_FLIGHT - tasks.len()) {
            if let Some(slot) = slots.get_mut(&name) {
                slot.checking = true;
                slot.health.checking = true;
                let ingester = ingester.clone();
                let source = slot.config.clone();
                tasks.spawn(async move { ingester.ingest_source(&source).await });
                started = true;
            }
        }
        if started {
            publish_health(&status, &config, &slots);
        }
        let next_due = slots
            .values()
            .filter(|s| !s.checking)
            .map(|s| s.due)
            .min()
            .unwrap_or_else(|| now + Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep_until(next_due), if tasks.len() < MAX_CHECKS_IN_FLIGHT => {}
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                match joined {
                    Ok(report) => finish_check(&output, &status, &config, &mut slots, report),
                    Err(e) => tracing::error!("A check task stopped: {e}"),
                }
                publish_health(&status, &config, &slots);
            }
            _ = sigterm.recv() => break Control::Shutdown,
            _ = sigint.recv() => break Control::Shutdown,
            _ = sighup.recv() => {
                if let Some((new_config, new_ingester)) = reload(&config_path, &config, &output) {
                    apply_reload(&output, &config, &new_config, &mut slots);
                    config = new_config;
                    if let Some(new_ingester) = new_ingester {
                        ingester = new_ingester;
                    }
                    let names: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
                    status.metrics.retain(&names);
                    publish_health(&status, &config, &slots);
                }
            }
        }
    };
    debug_assert_eq!(control, Control::Shutdown);
    let grace = config
        .service
        .as_ref()
        .map_or(Duration::from_secs(30), |s| s.shutdown_grace);
    tracing::info!(
        in_flight = tasks.len(),
        grace_s = grace.as_secs(),
        "Stopping: no new checks; waiting for those in flight."
    );
    let drained = tokio::time::timeout(grace, async {
        while let Some(joined) = tasks.join_next().await {
            if let Ok(report) = joined {
                finish_check(&output, &status, &config, &mut slots, report);
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            abandoned = tasks.len(),
            "The grace period ended: abandoning the checks still in flight (their items are fetched again next time)."
        );
        tasks.abort_all();
    }
    tracing::info!("Daemon stopped.");
    Ok(())
}

/// A source's slot at start: due at the stored next check (if it is not further away than the
/// configured interval allows), else now — and never before the server asked (`not_before`).
fn restore_slot(output: &Output, source: &SourceConfig, config: &Config) -> Slot {
    let now = Instant::now();
    let wall = Utc::now();
    let stored = output.state().source(&source.name).unwrap_or_default();
    let health = SourceHealth {
        name: source.name.clone(),
        url: source.display_url(),
        last_success: stored.last_success,
        last_failure: stored.last_failure,
        last_error: stored.last_error.clone(),
        next_check: stored.next_check,
        consecutive_failures: stored.consecutive_failures,
        ..SourceHealth::default()
    };
    let mut slot = Slot::new(source.clone(), now, health);
    slot.cadence = stored.cadence();
    let interval = schedule::running_interval(slot.base(&config.defaults), &config.defaults);
    let until = |at: Option<DateTime<Utc>>| {
        at.and_then(|at| (at - wall).to_std().ok())
            .unwrap_or_default()
    };
    // A wait longer than the configured interval is kept only for a failing source (its
    // backoff): after a restart with a shorter interval, the new one applies. What the server
    // asked for is kept whatever the config says.
    let limit = if stored.consecutive_failures > 0 {
        interval.max(schedule::BACKOFF_CAP)
    } else {
        interval
    };
    let wait = match stored.next_check {
        Some(_) => until(stored.next_check).min(limit),
        None => Duration::ZERO,
    };
    slot.not_before = now + until(stored.not_before).min(schedule::RETRY_AFTER_CEILING);
    slot.due = (now + wait).max(slot.not_before);
    slot
}

/// Sources due by `now` and not being checked, most overdue first, at most `room`.
fn due_sources(
    config: &Config,
    slots: &HashMap<String, Slot>,
    now: Instant,
    room: usize,
) -> Vec<String> {
    let mut due: Vec<(&Instant, &String)> = config
        .sources
        .iter()
        .filter_map(|s| slots.get(&s.name).map(|slot| (slot, &s.name)))
        .filter(|(slot, _)| !slot.checking && slot.due <= now)
        .map(|(slot, name)| (&slot.due, name))
        .collect();
    due.sort();
    due.into_iter().take(room).map(|(_, n)| n.clone()).collect()
}

/// Schedules the next check of the reported source and records its health.
fn finish_check(
    output: &Output,
    status: &Status,
    config: &Config,
    slots: &mut HashMap<String, Slot>,
    report: SourceReport,
) {
    let Some(slot) = slots.get_mut(&report.source) else {
        // Removed by a reload while it was being checked.
        return;
    };
    slot.checking = false;
    slot.health.checking = false;
    slot.round += 1;
    if report.cadence.is_some() {
        slot.cadence = report.cadence;
    }
    let now = Utc::now().trunc_subsecs(0);
    let hints = report.hints;
    let outcome = match &report.error {
        None => {
            slot.health.last_success = Some(now);
            slot.health.consecutive_failures = 0;
            let cache_hint = [hints.max_age, hints.expires_in, report.ttl]
                .into_iter()
                .flatten()
                .max();
            Outcome::Success {
                cache_hint,
                retry_after: hints.retry_after,
            }
        }
        Some(error) => {
            slot.health.last_failure = Some(now);
            slot.health.last_error = Some(error.to_string());
            slot.health.consecutive_failures = slot.health.consecutive_failures.saturating_add(1);
            Outcome::Failure {
                consecutive: slot.health.consecutive_failures,
                retry_after: report.hints.retry_after,
            }
        }
    };
    let delay = schedule::next_check(&Inputs {
        base: slot.base(&config.defaults),
        min_interval: config.defaults.min_interval,
        max_interval: config.defaults.max_interval,
        outcome,
        jitter: schedule::jitter_for(&slot.config.name, slot.round),
    });
    slot.due = Instant::now() + delay;
    slot.health.next_check = later(now, delay);
    // What the server asked for, so that a restart does not ask sooner.
    let asked = match outcome {
        Outcome::Success {
            cache_hint,
            retry_after,
        } => cache_hint
            .map(|hint| hint.min(config.defaults.max_interval))
            .max(retry_after),
        Outcome::Failure { retry_after, .. } => retry_after,
    };
    let asked = asked.map(|wait| wait.min(schedule::RETRY_AFTER_CEILING));
    slot.not_before = Instant::now() + asked.unwrap_or_default();
    let not_before = asked.and_then(|wait| later(now, wait));
    status.metrics.observe(
        &report,
        if report.failed() {
            delay
        } else {
            Duration::ZERO
        },
    );
    match &report.error {
        Some(error) => tracing::warn!(
            source = %report.source,
            next_check_s = delay.as_secs(),
            "Check failed: {error}"
        ),
        None => tracing::info!(
            source = %report.source,
            new = report.counts.new,
            updated = report.counts.updated,
            unchanged = report.counts.unchanged,
            not_modified = report.not_modified,
            elapsed_ms = report.elapsed.as_millis() as u64,
            next_check_s = delay.as_secs(),
            "Checked."
        ),
    }
    // The schedule survives a restart; a failure to store it costs at most one early check.
    let state = output.state();
    let stored = state.source(&report.source).and_then(|mut source_state| {
        source_state.next_check = slot.health.next_check;
        source_state.not_before = not_before;
        state.set_source(&report.source, &source_state)
    });
    if let Err(err) = stored {
        tracing::error!(source = %report.source, "Could not store the schedule: {err}");
    }
}

/// `wait` after `at`; `None` past chrono's range (no config duration comes near it).
fn later(at: DateTime<Utc>, wait: Duration) -> Option<DateTime<Utc>> {
    chrono::TimeDelta::from_std(wait)
        .ok()
        .and_then(|wait| at.checked_add_signed(wait))
}

fn publish_health(status: &Status, config: &Config, slots: &HashMap<String, Slot>) {
    let health: Vec<SourceHealth> = config
        .sources
        .iter()
        .filter_map(|s| slots.get(&s.name).map(|slot| slot.health.clone()))
        .collect();
    *status
        .sources
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = health;
}

/// Loads the config again. `None` (and every error logged) when it is invalid; a new ingester
/// when the HTTP settings or the languages changed.
fn reload(
    path: &std::path::Path,
    running: &Config,
    output: &Arc<Output>,
) -> Option<(Config, Option<Ingester>)> {
    tracing::info!(config = %path.display(), "SIGHUP: reloading the configuration.");
    let new = match crate::config::load(path) {
        Ok(new) => new,
        Err(errors) => {
            for error in &errors.0 {
                tracing::error!("{error}");
            }
            tracing::error!(
                errors = errors.0.len(),
                "The new configuration is invalid; the running one is kept."
            );
            return None;
        }
    };
    if new.output.dir != running.output.dir {
        tracing::warn!(
            running = %running.output.dir.display(),
            configured = %new.output.dir.display(),
            "output.dir cannot change while running; restart nahar to move it. Keeping the running directory."
        );
    }
    if new.service.as_ref().and_then(|s| s.listen)
        != running.service.as_ref().and_then(|s| s.listen)
    {
        tracing::warn!("[service] listen cannot change while running; restart nahar to move it.");
    }
    let ingester = if new.http != running.http
        || new.defaults.languages != running.defaults.languages
    {
        match Ingester::new(&new, output.clone()) {
            Ok(ingester) => Some(ingester),
            Err(err) => {
                tracing::error!(
                    "The new [http] settings cannot be used ({err}); the running configuration is kept."
                );
                return None;
            }
        }
    } else {
        None
    };
    Some((new, ingester))
}

/// Added sources are due now, removed ones are dropped, changed ones take their new settings
/// (and are due no later than their new interval allows).
fn apply_reload(output: &Output, old: &Config, new: &Config, slots: &mut HashMap<String, Slot>) {
    let now = Instant::now();
    slots.retain(|name, _| new.source(name).is_some());
    let mut added = 0;
    let mut changed = 0;
    for source in &new.sources {
        match slots.get_mut(&source.name) {
            Some(slot) => {
                if slot.config != *source || old.defaults != new.defaults {
                    changed += usize::from(slot.config != *source);
                    slot.config = source.clone();
                    slot.health.url = source.display_url();
                    let interval =
                        schedule::running_interval(slot.base(&new.defaults), &new.defaults);
                    slot.due = slot.due.min(now + interval).max(slot.not_before);
                }
            }
            None => {
                added += 1;
                let mut slot = restore_slot(output, source, new);
                slot.due = slot.due.min(now);
                slots.insert(source.name.clone(), slot);
            }
        }
    }
    let removed = old
        .sources
        .iter()
        .filter(|s| new.source(&s.name).is_none())
        .count();
    tracing::info!(added, removed, changed, "Configuration reloaded.");
}
