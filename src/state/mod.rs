//! State: what nahar has already written, and what it knows about each source.
//!
//! In: the id and source hash of each item a pass found, and per-source outcomes. Out: for each record a
//! [`Change`] (`New`, `Updated` with the next revision, or `Unchanged`), the stored
//! [`SourceState`] (HTTP validators, last success/failure), and the journal of batches that were
//! being written when a process stopped. Everything lives in one redb file,
//! `<output.dir>/state/nahar.redb`; every change is one ACID transaction.
//! Never: reads records files or the network, or marks an item seen before its line is durable —
//! [`State::begin_batch`] journals a batch *before* the sink writes it and [`State::commit_batch`]
//! marks its items seen *after* the sink's fsync, so a crash in between is resolved on the next
//! start by [`State::resolve_batch`] against what the file really holds.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

/// (source, id) → (revision, source hash) of the last version written.
const SEEN: TableDefinition<(&str, &str), (u32, &str)> = TableDefinition::new("seen");
/// source → [`SourceState`] as JSON.
const SOURCES: TableDefinition<&str, &str> = TableDefinition::new("sources");
/// batch number → [`PendingBatch`] as JSON.
const PENDING: TableDefinition<u64, &str> = TableDefinition::new("pending");

/// The file name of the store inside the state directory.
pub const STATE_FILE: &str = "nahar.redb";

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
    #[serde(default)]
    pub next_check: Option<DateTime<Utc>>,
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

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{path}: the state store is in use by another nahar process on this output directory")]
    InUse { path: PathBuf },
    #[error("{path}: {message}")]
    Store { path: PathBuf, message: String },
}

/// The state store of one output directory.
#[derive(Debug)]
pub struct State {
    db: Database,
    path: PathBuf,
}

impl State {
    /// Opens (or creates) the store in `dir` (`<output.dir>/state`).
    pub fn open(dir: &Path) -> Result<State, StateError> {
        let path = dir.join(STATE_FILE);
        let store_error = |message: String| StateError::Store {
            path: path.clone(),
            message,
        };
        crate::sink::create_private_dir(dir).map_err(|e| store_error(e.to_string()))?;
        let db = match Database::create(&path) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StateError::InUse { path });
            }
            Err(e) => return Err(store_error(e.to_string())),
        };
        crate::sink::restrict_permissions(&path).map_err(|e| store_error(e.to_string()))?;
        let state = State { db, path };
        // Create the tables, so that readers never meet a missing one.
        state.write(|txn| {
            txn.open_table(SEEN)?;
            txn.open_table(SOURCES)?;
            txn.open_table(PENDING)?;
            Ok(())
        })?;
        Ok(state)
    }

    fn error(&self, err: impl std::fmt::Display) -> StateError {
        StateError::Store {
            path: self.path.clone(),
            message: err.to_string(),
        }
    }

    fn write<T>(
        &self,
        body: impl FnOnce(&redb::WriteTransaction) -> Result<T, redb::Error>,
    ) -> Result<T, StateError> {
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        let value = body(&txn).map_err(|e| self.error(e))?;
        txn.commit().map_err(|e| self.error(e))?;
        Ok(value)
    }

    /// Classifies the items of one pass over `source`, each given as `(id, source hash)`, and
    /// gives the revision each new or changed item gets. Called before records are built, so
    /// that unchanged items cost no text analysis. One id twice in a pass is one item: the first
    /// decides, the second is `Unchanged` unless its content differs (then the next revision).
    pub fn classify(
        &self,
        source: &str,
        items: &[(&str, &str)],
    ) -> Result<Vec<Change>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = txn.open_table(SEEN).map_err(|e| self.error(e))?;
        let mut in_pass: HashMap<&str, (u32, &str)> = HashMap::new();
        let mut changes = Vec::with_capacity(items.len());
        for &(id, source_hash) in items {
            let known = match in_pass.get(id) {
                Some(&(revision, hash)) => Some((revision, hash.to_owned())),
                None => table
                    .get((source, id))
                    .map_err(|e| self.error(e))?
                    .map(|v| {
                        let (revision, hash) = v.value();
                        (revision, hash.to_owned())
                    }),
            };
            let change = match known {
                None => Change::New,
                Some((_, hash)) if hash == source_hash => Change::Unchanged,
                Some((revision, _)) => Change::Updated {
                    revision: revision.saturating_add(1),
                },
            };
            match change {
                Change::New => {
                    in_pass.insert(id, (1, source_hash));
                }
                Change::Updated { revision } => {
                    in_pass.insert(id, (revision, source_hash));
                }
                Change::Unchanged => {}
            }
            changes.push(change);
        }
        Ok(changes)
    }

    /// The stored state of `source` (default when never seen).
    pub fn source(&self, source: &str) -> Result<SourceState, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = txn.open_table(SOURCES).map_err(|e| self.error(e))?;
        let Some(value) = table.get(source).map_err(|e| self.error(e))? else {
            return Ok(SourceState::default());
        };
        // A row nahar cannot read (written by a future version) is forgotten, not fatal: the
        // cost is one unconditional fetch.
        Ok(serde_json::from_str(value.value()).unwrap_or_default())
    }

    /// Stores `state` for `source` (a run that wrote nothing: unchanged, 304, or failure; the
    /// daemon's schedule). Not synced to disk on its own: losing it in a crash costs one
    /// unconditional fetch or one early check, never a record, so an unchanged poll costs no
    /// fsync. The next batch commit (which is synced) makes it durable with it.
    pub fn set_source(&self, source: &str, state: &SourceState) -> Result<(), StateError> {
        let json = serde_json::to_string(state).map_err(|e| self.error(e))?;
        let mut txn = self.db.begin_write().map_err(|e| self.error(e))?;
        txn.set_durability(redb::Durability::None)
            .map_err(|e| self.error(e))?;
        {
            let mut table = txn.open_table(SOURCES).map_err(|e| self.error(e))?;
            table
                .insert(source, json.as_str())
                .map_err(|e| self.error(e))?;
        }
        txn.commit().map_err(|e| self.error(e))
    }

    /// Journals a batch before its lines are written.
    pub fn begin_batch(&self, batch: &PendingBatch) -> Result<BatchTicket, StateError> {
        let json = serde_json::to_string(batch).map_err(|e| self.error(e))?;
        self.write(|txn| {
            let mut table = txn.open_table(PENDING)?;
            let number = match table.last()? {
                Some((key, _)) => key.value() + 1,
                None => 1,
            };
            table.insert(number, json.as_str())?;
            Ok(BatchTicket(number))
        })
    }

    /// The batch's lines are durable: marks its items seen and stores the source's new state, in
    /// one transaction.
    pub fn commit_batch(
        &self,
        ticket: &BatchTicket,
        source_state: &SourceState,
    ) -> Result<(), StateError> {
        let json = serde_json::to_string(source_state).map_err(|e| self.error(e))?;
        let batch = self.pending_batch(ticket)?;
        self.write(|txn| {
            if let Some(batch) = &batch {
                let mut seen = txn.open_table(SEEN)?;
                for item in &batch.items {
                    seen.insert(
                        (batch.source.as_str(), item.id.as_str()),
                        (item.revision, item.source_hash.as_str()),
                    )?;
                }
                txn.open_table(SOURCES)?
                    .insert(batch.source.as_str(), json.as_str())?;
            }
            txn.open_table(PENDING)?.remove(ticket.0)?;
            Ok(())
        })
    }

    /// The write failed and was undone: forgets the batch (its items stay unseen and are
    /// written by a later run).
    pub fn abandon_batch(&self, ticket: &BatchTicket) -> Result<(), StateError> {
        self.write(|txn| {
            txn.open_table(PENDING)?.remove(ticket.0)?;
            Ok(())
        })
    }

    fn pending_batch(&self, ticket: &BatchTicket) -> Result<Option<PendingBatch>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = txn.open_table(PENDING).map_err(|e| self.error(e))?;
        let value = table.get(ticket.0).map_err(|e| self.error(e))?;
        value
            .map(|v| serde_json::from_str(v.value()).map_err(|e| self.error(e)))
            .transpose()
    }

    /// Batches journalled but neither committed nor abandoned: a process stopped while writing.
    pub fn pending(&self) -> Result<Vec<(BatchTicket, PendingBatch)>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = txn.open_table(PENDING).map_err(|e| self.error(e))?;
        let mut batches = Vec::new();
        for row in table.iter().map_err(|e| self.error(e))? {
            let (key, value) = row.map_err(|e| self.error(e))?;
            let batch = serde_json::from_str(value.value()).map_err(|e| self.error(e))?;
            batches.push((BatchTicket(key.value()), batch));
        }
        Ok(batches)
    }

    /// Resolves an interrupted batch: the items whose lines are on disk (`written`: id and
    /// revision) are marked seen; the others stay unseen, and the source's validators are
    /// dropped so that the next fetch is unconditional and brings them back.
    pub fn resolve_batch(
        &self,
        ticket: &BatchTicket,
        batch: &PendingBatch,
        written: &HashSet<(String, u32)>,
    ) -> Result<ResolvedBatch, StateError> {
        let mut source_state = self.source(&batch.source)?;
        let missing = batch
            .items
            .iter()
            .filter(|i| !written.contains(&(i.id.clone(), i.revision)))
            .count();
        if missing > 0 {
            source_state.etag = None;
            source_state.last_modified = None;
        }
        let json = serde_json::to_string(&source_state).map_err(|e| self.error(e))?;
        self.write(|txn| {
            let mut seen = txn.open_table(SEEN)?;
            for item in &batch.items {
                if written.contains(&(item.id.clone(), item.revision)) {
                    seen.insert(
                        (batch.source.as_str(), item.id.as_str()),
                        (item.revision, item.source_hash.as_str()),
                    )?;
                }
            }
            txn.open_table(SOURCES)?
                .insert(batch.source.as_str(), json.as_str())?;
            txn.open_table(PENDING)?.remove(ticket.0)?;
            Ok(())
        })?;
        Ok(ResolvedBatch {
            recovered: batch.items.len() - missing,
            missing,
        })
    }
}

/// What [`State::resolve_batch`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedBatch {
    /// Lines that were durable: now marked seen.
    pub recovered: usize,
    /// Lines that never reached the disk: left unseen, to be written again.
    pub missing: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;
    use crate::text::{Dir, Lang};

    fn record(id: &str, hash: &str) -> Record {
        Record {
            id: id.to_owned(),
            source: "kan".to_owned(),
            url: None,
            title: String::new(),
            author: None,
            published: None,
            ingested: DateTime::<Utc>::default(),
            lang: Lang::UND,
            dir: Dir::Ltr,
            scripts: Vec::new(),
            mixed: false,
            text: String::new(),
            segments: Vec::new(),
            content_hash: String::new(),
            revision: 1,
            warnings: Vec::new(),
            source_hash: hash.to_owned(),
        }
    }

    fn items(records: &[Record]) -> Vec<PendingItem> {
        records
            .iter()
            .map(|r| PendingItem {
                id: r.id.clone(),
                revision: r.revision,
                source_hash: r.source_hash.clone(),
            })
            .collect()
    }

    fn classify(state: &State, records: &mut [Record]) -> Vec<Change> {
        let keys: Vec<(&str, &str)> = records
            .iter()
            .map(|r| (r.id.as_str(), r.source_hash.as_str()))
            .collect();
        let changes = state.classify("kan", &keys).unwrap();
        for (record, change) in records.iter_mut().zip(&changes) {
            match change {
                Change::New => record.revision = 1,
                Change::Updated { revision } => record.revision = *revision,
                Change::Unchanged => {}
            }
        }
        changes
    }

    fn write_batch(state: &State, records: &[Record], source_state: &SourceState) {
        let batch = PendingBatch {
            source: "kan".to_owned(),
            file: "2026-11-28.jsonl".to_owned(),
            offset: 0,
            items: items(records),
        };
        let ticket = state.begin_batch(&batch).unwrap();
        state.commit_batch(&ticket, source_state).unwrap();
    }

    #[test]
    fn new_then_unchanged_then_updated_with_the_next_revision() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let mut first = vec![record("a", "h1"), record("b", "h1")];
        assert_eq!(classify(&state, &mut first), vec![Change::New, Change::New]);
        write_batch(&state, &first, &SourceState::default());

        let mut second = vec![record("a", "h1"), record("b", "h2"), record("c", "h1")];
        assert_eq!(
            classify(&state, &mut second),
            vec![
                Change::Unchanged,
                Change::Updated { revision: 2 },
                Change::New
            ]
        );
        assert_eq!(second[1].revision, 2);
        write_batch(&state, &second[1..], &SourceState::default());

        let mut third = vec![record("b", "h2"), record("b", "h3")];
        assert_eq!(
            classify(&state, &mut third),
            vec![Change::Unchanged, Change::Updated { revision: 3 }]
        );
    }

    #[test]
    fn one_id_twice_in_a_batch_is_one_item() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let mut records = vec![record("a", "h1"), record("a", "h1"), record("a", "h2")];
        assert_eq!(
            classify(&state, &mut records),
            vec![
                Change::New,
                Change::Unchanged,
                Change::Updated { revision: 2 }
            ]
        );
    }

    #[test]
    fn state_survives_reopening_and_a_second_open_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let source_state = SourceState {
            etag: Some("\"v1\"".to_owned()),
            last_modified: Some("Wed, 20 Nov 2024 18:00:00 GMT".to_owned()),
            ..SourceState::default()
        };
        {
            let state = State::open(dir.path()).unwrap();
            let mut records = vec![record("a", "h1")];
            classify(&state, &mut records);
            write_batch(&state, &records, &source_state);
            assert!(matches!(
                State::open(dir.path()),
                Err(StateError::InUse { .. })
            ));
        }
        let state = State::open(dir.path()).unwrap();
        assert_eq!(state.source("kan").unwrap(), source_state);
        assert_eq!(state.source("other").unwrap(), SourceState::default());
        assert_eq!(
            classify(&state, &mut [record("a", "h1")]),
            vec![Change::Unchanged]
        );
    }

    #[test]
    fn an_interrupted_batch_keeps_what_is_on_disk_and_forgets_the_validators() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        state
            .set_source(
                "kan",
                &SourceState {
                    etag: Some("\"v1\"".to_owned()),
                    ..SourceState::default()
                },
            )
            .unwrap();
        let records = vec![record("a", "h1"), record("b", "h1")];
        let batch = PendingBatch {
            source: "kan".to_owned(),
            file: "2026-11-28.jsonl".to_owned(),
            offset: 10,
            items: items(&records),
        };
        let ticket = state.begin_batch(&batch).unwrap();
        let pending = state.pending().unwrap();
        assert_eq!(pending, vec![(ticket.clone(), batch.clone())]);

        let written: HashSet<(String, u32)> = [("a".to_owned(), 1)].into_iter().collect();
        let resolved = state.resolve_batch(&ticket, &batch, &written).unwrap();
        assert_eq!(
            resolved,
            ResolvedBatch {
                recovered: 1,
                missing: 1
            }
        );
        assert!(state.pending().unwrap().is_empty());
        assert_eq!(state.source("kan").unwrap().etag, None);
        assert_eq!(
            classify(&state, &mut [record("a", "h1"), record("b", "h1")]),
            vec![Change::Unchanged, Change::New]
        );
    }
}
