//! The daemon (`nahar run`): every source on its own schedule until told to stop.
//!
//! In: a validated [`Config`], its path (for SIGHUP reloads) and the opened [`Output`]. Out:
//! checks through [`Ingester::ingest_source`] — the same path as `nahar fetch` — at the times
//! [`schedule::next_check`] decides; `/health` and `/metrics` when `[service] listen` is set;
//! a clean stop on SIGINT/SIGTERM (in-flight checks finish within `shutdown_grace`, then are
//! abandoned — safely, because a batch is journalled before it is written).
//! While records cannot leave (the NATS cluster out of reach) no check starts: fetching what
//! cannot be delivered would only count failures against healthy sources. With `nats` output
//! the daemon is a member of a group ([`cluster`]): it checks only the sources of the hosts it
//! holds, schedules a host's sources from the cluster's state when it takes the host, and hands
//! a host over only once its checks are over.
//! Never: lets a failing or slow source delay another (each check is its own task), swaps in an
//! invalid config (every error is logged and the running config kept), or loses the schedule
//! on restart (the next check is kept in the state store).

pub mod cluster;
pub mod metrics;
pub mod schedule;
pub mod service;
mod slots;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::{Config, SourceConfig};
use crate::pipeline::{Ingester, Output};
use crate::report::SourceReport;
use cluster::{GroupView, LeaseEvent, Membership};
use metrics::Metrics;
use schedule::{Inputs, Outcome};
use slots::{Slot, Slots};

/// Most checks in flight at once across all sources; politeness per host is the fetcher's.
pub const MAX_CHECKS_IN_FLIGHT: usize = 64;

/// How often a paused daemon looks whether its records can leave again.
const PAUSED_POLL: Duration = Duration::from_millis(200);

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
#[derive(Debug)]
pub struct Status {
    pub sources: Mutex<Vec<SourceHealth>>,
    pub metrics: Metrics,
    /// Where records go, asked for its trouble on every `/health`.
    pub output: Arc<Output>,
    /// The group this instance is a member of (`nats` output), as its keeper last saw it.
    pub group: Mutex<Option<GroupView>>,
}

impl Status {
    /// Replaces one source's health (the daemon's slots and these are in config order).
    fn publish(&self, index: usize, health: &SourceHealth) {
        let mut sources = self
            .sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(published) = sources.get_mut(index) {
            published.clone_from(health);
        }
    }

    /// Replaces every source's health (at start and after a reload).
    fn publish_all(&self, health: Vec<SourceHealth>) {
        *self
            .sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = health;
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

    let status = Arc::new(Status {
        sources: Mutex::default(),
        metrics: Metrics::default(),
        output: output.clone(),
        group: Mutex::default(),
    });
    if let Some(listen) = config.service.as_ref().and_then(|s| s.listen) {
        service::start(listen, status.clone()).await?;
        tracing::info!(listen = %listen, "Serving /health and /metrics.");
    }
    let mut config = config;
    let mut ingester =
        Ingester::new(&config, output.clone()).map_err(|e| DaemonError::Client(e.to_string()))?;
    let mut slots = Slots::new(
        config
            .sources
            .iter()
            .map(|source| restore_slot(&output, source, &config))
            .collect(),
    );
    let (mut membership, mut lease_events) = join_group(&output, &config, &status);
    if membership.is_some() {
        // Nothing is checked before its host is taken.
        for index in 0..config.sources.len() {
            slots.park(index);
        }
    }
    // Hosts to hand over once their checks are over.
    let mut draining: HashSet<String> = HashSet::new();
    status.publish_all(slots.health());
    tracing::info!(
        sources = config.sources.len(),
        config = %config_path.display(),
        "Daemon started."
    );

    let mut tasks: JoinSet<SourceReport> = JoinSet::new();
    let mut reloading: Option<tokio::task::JoinHandle<Reloaded>> = None;
    let mut reload_again = false;
    // Why records cannot leave (the NATS cluster out of reach), while they cannot.
    let mut paused_by: Option<String> = None;
    let control = loop {
        let now = Instant::now();
        let problem = output.sink_problem();
        match (&paused_by, &problem) {
            (None, Some(cause)) => tracing::warn!(
                cause = %cause,
                "Checks paused: records cannot leave; sources keep their schedule and nothing is marked seen."
            ),
            (Some(_), None) => tracing::info!("Checks resumed: records can leave again."),
            _ => {}
        }
        paused_by = problem;
        while paused_by.is_none()
            && tasks.len() < MAX_CHECKS_IN_FLIGHT
            && let Some(index) = slots.start_due(now)
        {
            if let Some(membership) = &membership
                && !membership.may_check(&slots.get_mut(index).config.name)
            {
                // Its lease lapsed without word yet: the keeper's event follows.
                slots.park(index);
                slots.get_mut(index).checking = false;
                continue;
            }
            let slot = slots.get_mut(index);
            slot.health.checking = true;
            status.publish(index, &slot.health);
            let ingester = ingester.clone();
            let source = slot.config.clone();
            tasks.spawn(async move { ingester.ingest_source(&source).await });
        }
        if let Some(membership) = &membership {
            let behind = slots
                .next_due()
                .map_or(Duration::ZERO, |due| now.saturating_duration_since(due));
            membership.set_lag(behind);
        }
        let next_due = if paused_by.is_some() {
            now + PAUSED_POLL
        } else {
            slots
                .next_due()
                .unwrap_or_else(|| now + Duration::from_secs(3600))
        };
        tokio::select! {
            _ = tokio::time::sleep_until(next_due), if tasks.len() < MAX_CHECKS_IN_FLIGHT => {}
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                match joined {
                    Ok(report) => {
                        let source = report.source.clone();
                        finish_check(&output, &status, &config, &mut slots, report);
                        if let Some(membership) = &membership {
                            hand_over_if_done(membership, &slots, &mut draining, &source);
                        }
                    }
                    Err(e) => tracing::error!("A check task stopped: {e}"),
                }
            }
            Some(event) = next_lease_event(&mut lease_events) => {
                if let Some(membership) = &membership {
                    on_lease_event(&output, &status, &config, &mut slots, membership, &mut draining, event);
                }
            }
            _ = sigterm.recv() => break Control::Shutdown,
            _ = sigint.recv() => break Control::Shutdown,
            _ = sighup.recv() => {
                if reloading.is_some() {
                    // The file may have changed after the reload under way read it.
                    reload_again = true;
                } else {
                    reloading = Some(start_reload(&config_path, &config, &output));
                }
            }
            reloaded = async {
                match reloading.as_mut() {
                    Some(handle) => handle.await,
                    None => std::future::pending().await,
                }
            }, if reloading.is_some() => {
                reloading = None;
                let reloaded = reloaded.unwrap_or_else(|e| {
                    tracing::error!("Reloading stopped ({e}); the running configuration is kept.");
                    None
                });
                if let Some((new_config, new_ingester)) = reloaded {
                    slots = apply_reload(&output, &config, &new_config, slots);
                    if let Some(membership) = &mut membership {
                        reconfigure(membership, &new_config, &mut slots);
                    }
                    config = new_config;
                    if let Some(new_ingester) = new_ingester {
                        ingester = new_ingester;
                    }
                    let names: HashSet<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
                    status.metrics.retain(&names);
                    status.publish_all(slots.health());
                }
                if std::mem::take(&mut reload_again) {
                    reloading = Some(start_reload(&config_path, &config, &output));
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
    output.close_async().await;
    if let Some(membership) = &mut membership {
        membership.leave().await;
    }
    tracing::info!("Daemon stopped.");
    Ok(())
}

/// Joins the group of the output's cluster (`nats` output): the scheduler's side of the
/// keeper and its events; `None` for files.
fn join_group(
    output: &Arc<Output>,
    config: &Config,
    status: &Arc<Status>,
) -> (
    Option<Membership>,
    Option<tokio::sync::mpsc::UnboundedReceiver<LeaseEvent>>,
) {
    #[cfg(feature = "nats")]
    if let Some(shared) = output.shared_state() {
        let (membership, events) = cluster::start(
            shared.cluster().clone(),
            shared.clone(),
            config,
            Arc::clone(status),
        );
        return (Some(membership), Some(events));
    }
    let _ = (output, config, status);
    (None, None)
}

async fn next_lease_event(
    events: &mut Option<tokio::sync::mpsc::UnboundedReceiver<LeaseEvent>>,
) -> Option<LeaseEvent> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

/// Wakes, parks or drains the sources of the event's host.
fn on_lease_event(
    output: &Output,
    status: &Status,
    config: &Config,
    slots: &mut Slots,
    membership: &Membership,
    draining: &mut HashSet<String>,
    event: LeaseEvent,
) {
    let host = match &event {
        LeaseEvent::Acquired(host) | LeaseEvent::Lost(host) | LeaseEvent::Drain(host) => host,
    };
    let indices: Vec<usize> = cluster::sources_on(membership, host)
        .filter_map(|source| slots.index_of(source))
        .collect();
    match &event {
        LeaseEvent::Acquired(_) => {
            draining.remove(host);
            for index in indices {
                // The state the keeper just read: the schedule the last holder kept.
                let Some(source) = slots.get(index).map(|slot| slot.config.clone()) else {
                    continue;
                };
                let fresh = restore_slot(output, &source, config);
                let slot = slots.get_mut(index);
                slot.health = SourceHealth {
                    checking: slot.checking,
                    ..fresh.health
                };
                slot.cadence = fresh.cadence;
                slot.not_before = fresh.not_before;
                status.publish(index, &slot.health);
                slots.wake(index, fresh.due);
            }
        }
        LeaseEvent::Lost(_) => {
            draining.remove(host);
            for index in indices {
                slots.park(index);
            }
        }
        LeaseEvent::Drain(_) => {
            for index in &indices {
                slots.park(*index);
            }
            draining.insert(host.clone());
            if let Some(source) = cluster::sources_on(membership, host).next() {
                let source = source.to_owned();
                hand_over_if_done(membership, slots, draining, &source);
            } else {
                draining.remove(host);
                membership.drained(host);
            }
        }
    }
}

/// Hands the host of `source` over when it is draining and none of its checks is under way.
fn hand_over_if_done(
    membership: &Membership,
    slots: &Slots,
    draining: &mut HashSet<String>,
    source: &str,
) {
    let Some(host) = membership.host_of(source) else {
        return;
    };
    if !draining.contains(host) {
        return;
    }
    let busy = cluster::sources_on(membership, host)
        .filter_map(|name| slots.index_of(name).and_then(|i| slots.get(i)))
        .any(|slot| slot.checking);
    if !busy {
        let host = host.to_owned();
        draining.remove(&host);
        membership.drained(&host);
    }
}

/// A reloaded config: the keeper balances its hosts, and the sources of hosts not held wait.
fn reconfigure(membership: &mut Membership, config: &Config, slots: &mut Slots) {
    #[cfg(feature = "nats")]
    membership.reconfigure(config);
    #[cfg(not(feature = "nats"))]
    let _ = config;
    for index in 0..config.sources.len() {
        let held = slots
            .get(index)
            .is_some_and(|slot| membership.may_check(&slot.config.name));
        if !held {
            slots.park(index);
        }
    }
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

/// Schedules the next check of the reported source and records its health.
fn finish_check(
    output: &Output,
    status: &Status,
    config: &Config,
    slots: &mut Slots,
    report: SourceReport,
) {
    let Some(index) = slots.index_of(&report.source) else {
        // Removed by a reload while it was being checked.
        return;
    };
    let slot = slots.get_mut(index);
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
    let stored = state.source(&report.source).map(|mut source_state| {
        source_state.next_check = slot.health.next_check;
        source_state.not_before = not_before;
        state.set_source(&report.source, &source_state);
    });
    if let Err(err) = stored {
        tracing::error!(source = %report.source, "Could not store the schedule: {err}");
    }
    status.publish(index, &slot.health);
    slots.schedule(index, Instant::now() + delay);
}

/// `wait` after `at`; `None` past chrono's range (no config duration comes near it).
fn later(at: DateTime<Utc>, wait: Duration) -> Option<DateTime<Utc>> {
    chrono::TimeDelta::from_std(wait)
        .ok()
        .and_then(|wait| at.checked_add_signed(wait))
}

/// A new configuration, and a new ingester when the HTTP settings or the languages changed.
type Reloaded = Option<(Config, Option<Ingester>)>;

/// Reads the file and builds what a new config needs (language models take a second or more)
/// on the blocking pool: the daemon goes on checking sources meanwhile.
fn start_reload(
    path: &std::path::Path,
    running: &Config,
    output: &Arc<Output>,
) -> tokio::task::JoinHandle<Reloaded> {
    let (path, running, output) = (path.to_owned(), running.clone(), Arc::clone(output));
    tokio::task::spawn_blocking(move || reload(&path, &running, &output))
}

/// Loads the config again. `None` (and every error logged) when it is invalid; a new ingester
/// when the HTTP settings or the languages changed.
fn reload(path: &std::path::Path, running: &Config, output: &Arc<Output>) -> Reloaded {
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
/// (and are due no later than their new interval allows). The slots come out in the new
/// config's order.
fn apply_reload(output: &Output, old: &Config, new: &Config, slots: Slots) -> Slots {
    let now = Instant::now();
    let names: HashSet<&str> = new.sources.iter().map(|s| s.name.as_str()).collect();
    let mut kept: HashMap<String, Slot> = slots
        .into_slots()
        .into_iter()
        .filter(|slot| names.contains(slot.config.name.as_str()))
        .map(|slot| (slot.config.name.clone(), slot))
        .collect();
    let mut added = 0;
    let mut changed = 0;
    let mut next = Vec::with_capacity(new.sources.len());
    for source in &new.sources {
        let slot = match kept.remove(&source.name) {
            Some(mut slot) => {
                if slot.config != *source || old.defaults != new.defaults {
                    changed += usize::from(slot.config != *source);
                    slot.config = source.clone();
                    slot.health.url = source.display_url();
                    let interval =
                        schedule::running_interval(slot.base(&new.defaults), &new.defaults);
                    slot.due = slot.due.min(now + interval).max(slot.not_before);
                }
                slot
            }
            None => {
                added += 1;
                let mut slot = restore_slot(output, source, new);
                slot.due = slot.due.min(now);
                slot
            }
        };
        next.push(slot);
    }
    let removed = old
        .sources
        .iter()
        .filter(|s| !names.contains(s.name.as_str()))
        .count();
    tracing::info!(added, removed, changed, "Configuration reloaded.");
    Slots::new(next)
}
