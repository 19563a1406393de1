//! State: what nahar has already written, and what it knows about each source.
//!
//! In: the id and source hash of each item a pass found, and per-source outcomes. Out: for each
//! record a [`Change`] (`New`, `Updated` with the next revision, or `Unchanged`), the stored
//! [`SourceState`] (HTTP validators, health, schedule), and — for files — the journal of
//! batches that were being written when a process stopped. Two stores answer alike: the local
//! one ([`LocalState`], one redb file in `<output.dir>/state/`, for `files` and `stdout`
//! output) and, with `nats` output, the cluster's buckets ([`SharedState`]), which every
//! instance of a group reads and writes. A source's state set between batches (a 304, a
//! failure, the daemon's schedule) is kept in memory and stored with the next write
//! ([`State::save_sources`]): losing it in a crash costs one unconditional fetch or one early
//! check, never a record.
//! Never: reads records files, or marks an item seen before its record is durable (fsynced, or
//! acknowledged by the cluster) — [`State::begin_batches`] comes before the sink writes and
//! [`State::commit_batches`] after, and a crash in between is resolved on the next start
//! (against the records files, or by the stream dropping what is published again).

mod local;
#[cfg(feature = "nats")]
mod shared;
mod unsaved;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use local::LocalState;
#[cfg(feature = "nats")]
pub use shared::SharedState;

/// The file name of the store inside the state directory.
pub const STATE_FILE: &str = "nahar.redb";

/// redb's page cache. Its default (1 GiB) lets a long-running daemon's memory grow with the
/// store; lookups are by source and id, so a small cache of the upper pages serves them and the
/// operating system's file cache holds the rest.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// What a record is, compared with what was written before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    New,
    /// The source changed the item's content: a new record with this revision.
    Updated {
        revision: u32,
    },
    Unchanged,
}

/// One item of a pass, as the store knows items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemKey<'a> {
    pub id: &'a str,
    pub source_hash: &'a str,
    /// The id and source hash releases before 0.2 gave the same item, when they differ: a store
    /// written by them knows it by those.
    pub legacy: Option<(&'a str, &'a str)>,
}

/// What [`State::classify`] says of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    pub change: Change,
    /// The store knows the item by its legacy id: its records keep that id.
    pub legacy_id: bool,
}

/// What nahar remembers about one source between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceState {
    /// `ETag` of the last response, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` of the last response, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// When the daemon plans to check the source next (so a restart keeps the schedule).
    pub next_check: Option<DateTime<Utc>>,
    /// The server asked not to be checked before this instant (RSS `ttl`, `max-age`, `Expires`,
    /// `Retry-After`): a restart keeps that promise too.
    pub not_before: Option<DateTime<Utc>>,
    /// The median gap between the items' own dates, from the last pass that had three dated
    /// items or more (seconds): `interval = "auto"` follows it.
    pub item_gap_secs: Option<u64>,
    /// When passes first saw new items, the last [`ARRIVALS_KEPT`]: the cadence of a source
    /// whose items carry too few dates.
    pub arrivals: Vec<DateTime<Utc>>,
}

/// How many arrival times a source keeps.
pub const ARRIVALS_KEPT: usize = 8;

/// How often a source publishes, as learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    pub gap: Duration,
    pub from: CadenceFrom,
}

/// What a [`Cadence`] was learned from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CadenceFrom {
    /// The items' own publication dates.
    ItemDates,
    /// When nahar first saw new items.
    Arrivals,
}

impl SourceState {
    /// What a pass at `now` teaches: the gap between its items' dates (when it had three or
    /// more), and whether it found new items.
    pub fn learn(&mut self, now: DateTime<Utc>, item_gap: Option<Duration>, new_items: usize) {
        if let Some(gap) = item_gap {
            self.item_gap_secs = Some(gap.as_secs().max(1));
        }
        if new_items > 0 {
            self.arrivals.push(now);
            let excess = self.arrivals.len().saturating_sub(ARRIVALS_KEPT);
            self.arrivals.drain(..excess);
        }
    }

    /// The source's cadence: from its items' dates when known, else from when new items
    /// arrived (three arrivals or more).
    pub fn cadence(&self) -> Option<Cadence> {
        if let Some(secs) = self.item_gap_secs {
            return Some(Cadence {
                gap: Duration::from_secs(secs),
                from: CadenceFrom::ItemDates,
            });
        }
        median_gap(self.arrivals.clone()).map(|gap| Cadence {
            gap,
            from: CadenceFrom::Arrivals,
        })
    }
}

/// The median gap between distinct instants of `times` (in any order); `None` with fewer than
/// three instants or no gap.
pub fn median_gap(mut times: Vec<DateTime<Utc>>) -> Option<Duration> {
    if times.len() < 3 {
        return None;
    }
    times.sort_unstable();
    let mut gaps: Vec<Duration> = times
        .windows(2)
        .filter_map(|w| (w[1] - w[0]).to_std().ok())
        .filter(|gap| !gap.is_zero())
        .collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    Some(gaps[gaps.len() / 2])
}

/// One item of a batch being written: enough to mark it seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingItem {
    pub id: String,
    pub revision: u32,
    pub source_hash: String,
}

/// A batch journalled before the sink writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingBatch {
    pub source: String,
    /// The records file the batch is appended to (a name inside the records directory), and its
    /// length before the append: the batch's lines, if any, are after it.
    pub file: String,
    pub offset: u64,
    pub items: Vec<PendingItem>,
}

/// A journalled batch, with its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchTicket(pub u64);

#[derive(Debug, Clone, thiserror::Error)]
pub enum StateError {
    #[error("{path}: the state store is in use by another nahar process on this output directory")]
    InUse { path: PathBuf },
    #[error("{path}: {message}")]
    Store { path: PathBuf, message: String },
    #[error("NATS ({servers}): {message}")]
    Cluster { servers: String, message: String },
}

/// Where the state of an output lives.
#[derive(Debug)]
pub enum State {
    Local(LocalState),
    #[cfg(feature = "nats")]
    Shared(SharedState),
}

impl State {
    /// Classifies the items of one pass over `source` and gives the revision each new or changed
    /// item gets. Called before records are built, so that unchanged items cost no text
    /// analysis. One id twice in a pass is one item: the first decides, the second is
    /// `Unchanged` unless its content differs (then the next revision).
    ///
    /// The items come as an iterator, not a slice: a dense feed has 180,000 of them, and a
    /// vector of their keys, alive beside the entries it borrows from, was 12 MB of the pass's
    /// peak memory.
    pub fn classify<'a>(
        &self,
        source: &str,
        items: impl Iterator<Item = ItemKey<'a>> + Clone,
    ) -> Result<Vec<Classified>, StateError> {
        match self {
            State::Local(local) => local.classify(source, items),
            #[cfg(feature = "nats")]
            State::Shared(shared) => shared.classify(source, items),
        }
    }

    /// The state of `source`: the last one set, else the stored one (default when never seen).
    pub fn source(&self, source: &str) -> Result<SourceState, StateError> {
        match self {
            State::Local(local) => local.source(source),
            #[cfg(feature = "nats")]
            State::Shared(shared) => Ok(shared.source(source)),
        }
    }

    /// Sets the state of `source` (a pass that wrote nothing: unchanged, 304 or failure; the
    /// daemon's schedule). No I/O: it is stored by the next [`State::save_sources`] or
    /// [`State::commit_batches`], so an unchanged poll costs no write of its own.
    pub fn set_source(&self, source: &str, state: &SourceState) {
        match self {
            State::Local(local) => local.set_source(source, state),
            #[cfg(feature = "nats")]
            State::Shared(shared) => shared.set_source(source, state),
        }
    }

    /// Whether some source's state is set but not stored.
    pub fn has_unsaved(&self) -> bool {
        match self {
            State::Local(local) => local.has_unsaved(),
            #[cfg(feature = "nats")]
            State::Shared(shared) => shared.has_unsaved(),
        }
    }

    /// Stores the states set since the last save (synced, for the local store).
    pub fn save_sources(&self) -> Result<(), StateError> {
        match self {
            State::Local(local) => local.save_sources(),
            #[cfg(feature = "nats")]
            State::Shared(shared) => shared.save_sources(),
        }
    }

    /// How long states set between batches may wait to be stored: 30 s locally (a crash loses
    /// an early check at most); 1 s in a cluster, where another instance may take the source
    /// over and must find its schedule.
    pub fn save_every(&self) -> Duration {
        match self {
            State::Local(_) => Duration::from_secs(30),
            #[cfg(feature = "nats")]
            State::Shared(_) => Duration::from_secs(1),
        }
    }

    /// Journals batches before their lines are written (the local store), or numbers them
    /// (the cluster's: the stream is the journal).
    pub fn begin_batches(&self, batches: &[PendingBatch]) -> Result<Vec<BatchTicket>, StateError> {
        match self {
            State::Local(local) => local.begin_batches(batches),
            #[cfg(feature = "nats")]
            State::Shared(shared) => Ok(shared.begin_batches(batches.len())),
        }
    }

    /// Ends journalled batches: the `durable` ones' items are marked seen and their sources'
    /// states stored; the `abandoned` ones (their write failed) are forgotten, their items
    /// staying unseen for a later pass. The states set since the last save are stored too.
    pub fn commit_batches(
        &self,
        durable: &[Durable<'_>],
        abandoned: &[BatchTicket],
    ) -> Result<(), StateError> {
        match self {
            State::Local(local) => local.commit_batches(durable, abandoned),
            #[cfg(feature = "nats")]
            State::Shared(shared) => shared.commit_batches(durable),
        }
    }
}

/// A journalled batch whose lines are durable: its items are marked seen and its source's
/// state stored.
#[derive(Debug)]
pub struct Durable<'a> {
    pub ticket: &'a BatchTicket,
    pub batch: &'a PendingBatch,
    pub source_state: &'a SourceState,
}

/// What [`State::resolve_batch`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedBatch {
    /// Lines that were durable: now marked seen.
    pub recovered: usize,
    /// Lines that never reached the disk: left unseen, to be written again.
    pub missing: usize,
}
