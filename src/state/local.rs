//! The state of `files` and `stdout` output: one redb file, `<output.dir>/state/nahar.redb`.
//!
//! In: what [`super::State`] is asked. Out: the same answers, from three tables — `seen`
//! ((source, id) → revision and source hash), `sources` (each source's state as JSON) and
//! `pending` (the batch journal). Every change is one ACID transaction, and one transaction
//! serves many batches. Never: reads records files or the network.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::unsaved::Unsaved;
use super::{
    BatchTicket, CACHE_BYTES, Change, Classified, Durable, ItemKey, PendingBatch, ResolvedBatch,
    STATE_FILE, SourceState, StateError,
};

/// (source, id) → (revision, source hash) of the last version written.
const SEEN: TableDefinition<(&str, &str), (u32, &str)> = TableDefinition::new("seen");
/// source → [`SourceState`] as JSON.
const SOURCES: TableDefinition<&str, &str> = TableDefinition::new("sources");
/// batch number → [`PendingBatch`] as JSON.
const PENDING: TableDefinition<u64, &str> = TableDefinition::new("pending");

/// The state store of one output directory: a redb file.
#[derive(Debug)]
pub struct LocalState {
    db: Database,
    path: PathBuf,
    unsaved: Mutex<Unsaved>,
}

impl LocalState {
    /// Opens (or creates) the store in `dir` (`<output.dir>/state`).
    pub fn open(dir: &Path) -> Result<LocalState, StateError> {
        let path = dir.join(STATE_FILE);
        let store_error = |message: String| StateError::Store {
            path: path.clone(),
            message,
        };
        crate::files::private_dir(dir).map_err(|e| store_error(e.to_string()))?;
        let file = crate::files::open_private(&path, crate::files::Access::ReadWrite, true)
            .map_err(|e| store_error(e.to_string()))?;
        // A store made by a release before 0.2 may be readable by others.
        crate::files::restrict_permissions(&file).map_err(|e| store_error(e.to_string()))?;
        let backend =
            redb::backends::FileBackend::new(file).map_err(|e| store_error(e.to_string()))?;
        let db = match redb::Builder::new()
            .set_cache_size(CACHE_BYTES)
            .create_with_backend(backend)
        {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StateError::InUse { path });
            }
            Err(e) => return Err(store_error(e.to_string())),
        };
        let state = LocalState {
            db,
            path,
            unsaved: Mutex::default(),
        };
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

    /// Classifies the items of one pass over `source` and gives the revision each new or changed
    /// item gets. Called before records are built, so that unchanged items cost no text
    /// analysis. One id twice in a pass is one item: the first decides, the second is
    /// `Unchanged` unless its content differs (then the next revision). An item the store does
    /// not know by its id but knows by its legacy id (see [`ItemKey::legacy`]) is that item:
    /// [`Classified::legacy_id`] says to keep writing it under the legacy id.
    pub fn classify<'a>(
        &self,
        source: &str,
        items: impl Iterator<Item = ItemKey<'a>>,
    ) -> Result<Vec<Classified>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = txn.open_table(SEEN).map_err(|e| self.error(e))?;
        let count = items.size_hint().0;
        let mut in_pass: HashMap<&str, (u32, &str)> = HashMap::with_capacity(count);
        let lookup = |id: &str,
                      in_pass: &HashMap<&str, (u32, &str)>|
         -> Result<Option<(u32, String)>, StateError> {
            if let Some(&(revision, hash)) = in_pass.get(id) {
                return Ok(Some((revision, hash.to_owned())));
            }
            Ok(table
                .get((source, id))
                .map_err(|e| self.error(e))?
                .map(|v| {
                    let (revision, hash) = v.value();
                    (revision, hash.to_owned())
                }))
        };
        let mut classified = Vec::with_capacity(count);
        for item in items {
            let mut id = item.id;
            let mut legacy_id = false;
            let mut known = lookup(item.id, &in_pass)?;
            if known.is_none()
                && let Some((old_id, _)) = item.legacy
            {
                known = lookup(old_id, &in_pass)?;
                if known.is_some() {
                    id = old_id;
                    legacy_id = true;
                }
            }
            let same = |hash: &str| {
                hash == item.source_hash || item.legacy.is_some_and(|(_, old)| old == hash)
            };
            let change = match known {
                None => Change::New,
                Some((_, hash)) if same(&hash) => Change::Unchanged,
                Some((revision, _)) => Change::Updated {
                    revision: revision.saturating_add(1),
                },
            };
            match change {
                Change::New => {
                    in_pass.insert(id, (1, item.source_hash));
                }
                Change::Updated { revision } => {
                    in_pass.insert(id, (revision, item.source_hash));
                }
                Change::Unchanged => {}
            }
            classified.push(Classified { change, legacy_id });
        }
        Ok(classified)
    }

    /// The stored state of every source, read without opening the store for writing (`nahar
    /// check` beside a running daemon); `None` when there is no store yet or it cannot be read
    /// now (a writer holds it, or it was not closed cleanly).
    pub fn peek_sources(dir: &Path) -> Option<HashMap<String, SourceState>> {
        let path = dir.join(STATE_FILE);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        crate::files::check_private_file(&path, &meta).ok()?;
        let db = redb::ReadOnlyDatabase::open(&path).ok()?;
        let txn = db.begin_read().ok()?;
        let table = txn.open_table(SOURCES).ok()?;
        let mut sources = HashMap::new();
        for row in table.iter().ok()? {
            let (name, json) = row.ok()?;
            if let Ok(state) = serde_json::from_str(json.value()) {
                sources.insert(name.value().to_owned(), state);
            }
        }
        Some(sources)
    }

    /// The state of `source`: the last one set, else the stored one (default when never seen).
    pub fn source(&self, source: &str) -> Result<SourceState, StateError> {
        if let Some(state) = self.unsaved().get(source) {
            return Ok(state.clone());
        }
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = txn.open_table(SOURCES).map_err(|e| self.error(e))?;
        let Some(value) = table.get(source).map_err(|e| self.error(e))? else {
            return Ok(SourceState::default());
        };
        // A row nahar cannot read (written by a future version) is forgotten, not fatal: the
        // cost is one unconditional fetch.
        Ok(serde_json::from_str(value.value()).unwrap_or_default())
    }

    /// Sets the state of `source` (a pass that wrote nothing: unchanged, 304 or failure; the
    /// daemon's schedule). No I/O: it is stored by the next [`State::save_sources`] or
    /// [`State::commit_batches`], so an unchanged poll costs no transaction of its own.
    pub fn set_source(&self, source: &str, state: &SourceState) {
        self.unsaved().set(source, state);
    }

    /// Whether some source's state is set but not stored.
    pub fn has_unsaved(&self) -> bool {
        !self.unsaved().is_empty()
    }

    /// Stores the states set since the last save in one synced transaction (which syncs every
    /// unsynced one before it too).
    pub fn save_sources(&self) -> Result<(), StateError> {
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        let saved = self.store_unsaved(&txn, &HashSet::new())?;
        txn.commit().map_err(|e| self.error(e))?;
        self.forget_saved(&saved);
        Ok(())
    }

    /// Writes every unsaved state but those of `superseded` sources (a batch stores a newer
    /// one in the same transaction); returns what was written, for [`LocalState::forget_saved`].
    fn store_unsaved(
        &self,
        txn: &redb::WriteTransaction,
        superseded: &HashSet<&str>,
    ) -> Result<Vec<(String, u64)>, StateError> {
        let snapshot = {
            let unsaved = self.unsaved().snapshot();
            let mut rows = Vec::with_capacity(unsaved.len());
            for (name, set, state) in unsaved {
                let json = serde_json::to_string(&state).map_err(|e| self.error(e))?;
                rows.push((name, set, json));
            }
            rows
        };
        let mut table = txn.open_table(SOURCES).map_err(|e| self.error(e))?;
        let mut saved = Vec::with_capacity(snapshot.len());
        for (name, set, json) in snapshot {
            if !superseded.contains(name.as_str()) {
                table
                    .insert(name.as_str(), json.as_str())
                    .map_err(|e| self.error(e))?;
            }
            saved.push((name, set));
        }
        Ok(saved)
    }

    /// Drops the unsaved states a committed transaction stored, unless set again since.
    fn forget_saved(&self, saved: &[(String, u64)]) {
        self.unsaved().forget(saved);
    }

    fn unsaved(&self) -> MutexGuard<'_, Unsaved> {
        // The map is whole after any panic (every change is one insert or remove).
        self.unsaved
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Journals batches before their lines are written, in one synced transaction.
    pub fn begin_batches(&self, batches: &[PendingBatch]) -> Result<Vec<BatchTicket>, StateError> {
        let mut rows = Vec::with_capacity(batches.len());
        for batch in batches {
            rows.push(serde_json::to_string(batch).map_err(|e| self.error(e))?);
        }
        self.write(|txn| {
            let mut table = txn.open_table(PENDING)?;
            let first = match table.last()? {
                Some((key, _)) => key.value() + 1,
                None => 1,
            };
            let mut tickets = Vec::with_capacity(rows.len());
            for (number, json) in (first..).zip(&rows) {
                table.insert(number, json.as_str())?;
                tickets.push(BatchTicket(number));
            }
            Ok(tickets)
        })
    }

    /// Ends journalled batches in one transaction: the `durable` ones' items are marked seen and
    /// their sources' states stored; the `abandoned` ones (their write failed and was undone)
    /// are forgotten, their items staying unseen for a later pass. The states set since the last
    /// save are stored with them.
    ///
    /// Not synced on its own: until the next synced commit, the journal still holds these
    /// batches, and a crash resolves them against the records files on the next start exactly
    /// as if this transaction had never run. An fsync per group is saved at no risk.
    pub fn commit_batches(
        &self,
        durable: &[Durable<'_>],
        abandoned: &[BatchTicket],
    ) -> Result<(), StateError> {
        let mut states = Vec::with_capacity(durable.len());
        for batch in durable {
            states.push(serde_json::to_string(batch.source_state).map_err(|e| self.error(e))?);
        }
        let superseded: HashSet<&str> = durable.iter().map(|d| d.batch.source.as_str()).collect();
        let mut txn = self.db.begin_write().map_err(|e| self.error(e))?;
        txn.set_durability(redb::Durability::None)
            .map_err(|e| self.error(e))?;
        let saved = self.store_unsaved(&txn, &superseded)?;
        let marked = (|| -> Result<(), redb::Error> {
            let mut seen = txn.open_table(SEEN)?;
            let mut sources = txn.open_table(SOURCES)?;
            let mut pending = txn.open_table(PENDING)?;
            for (done, json) in durable.iter().zip(&states) {
                for item in &done.batch.items {
                    seen.insert(
                        (done.batch.source.as_str(), item.id.as_str()),
                        (item.revision, item.source_hash.as_str()),
                    )?;
                }
                sources.insert(done.batch.source.as_str(), json.as_str())?;
                pending.remove(done.ticket.0)?;
            }
            for ticket in abandoned {
                pending.remove(ticket.0)?;
            }
            Ok(())
        })();
        marked.map_err(|e| self.error(e))?;
        txn.commit().map_err(|e| self.error(e))?;
        self.forget_saved(&saved);
        Ok(())
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
        self.unsaved().remove(&batch.source);
        Ok(ResolvedBatch {
            recovered: batch.items.len() - missing,
            missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::record::Record;
    use crate::state::{ARRIVALS_KEPT, Cadence, CadenceFrom, PendingItem, median_gap};

    fn record(id: &str, hash: &str) -> Record {
        Record::bare(id, hash)
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

    fn classify(state: &LocalState, records: &mut [Record]) -> Vec<Change> {
        let keys: Vec<ItemKey<'_>> = records
            .iter()
            .map(|r| ItemKey {
                id: &r.id,
                source_hash: &r.source_hash,
                legacy: None,
            })
            .collect();
        let changes: Vec<Change> = state
            .classify("kan", keys.iter().copied())
            .unwrap()
            .into_iter()
            .map(|c| c.change)
            .collect();
        for (record, change) in records.iter_mut().zip(&changes) {
            match change {
                Change::New => record.revision = 1,
                Change::Updated { revision } => record.revision = *revision,
                Change::Unchanged => {}
            }
        }
        changes
    }

    fn write_batch(state: &LocalState, records: &[Record], source_state: &SourceState) {
        let batch = PendingBatch {
            source: "kan".to_owned(),
            file: "2026-11-28.jsonl".to_owned(),
            offset: 0,
            items: items(records),
        };
        let tickets = state.begin_batches(std::slice::from_ref(&batch)).unwrap();
        let done = Durable {
            ticket: &tickets[0],
            batch: &batch,
            source_state,
        };
        state.commit_batches(&[done], &[]).unwrap();
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, 28, h, m, 0)
            .single()
            .unwrap()
    }

    #[test]
    fn the_median_gap_of_three_or_more_instants() {
        let hour = Duration::from_secs(3600);
        assert_eq!(
            median_gap(vec![at(12, 0), at(10, 0), at(11, 0), at(11, 30), at(9, 0)]),
            Some(hour)
        );
        assert_eq!(median_gap(vec![at(12, 0), at(11, 0)]), None);
        assert_eq!(median_gap(vec![at(12, 0), at(12, 0), at(12, 0)]), None);
    }

    #[test]
    fn the_cadence_comes_from_item_dates_else_from_arrivals() {
        let mut learned = SourceState::default();
        assert_eq!(learned.cadence(), None);
        // Passes without dated items: arrivals count once three passes brought new items.
        learned.learn(at(9, 0), None, 2);
        learned.learn(at(9, 20), None, 0);
        learned.learn(at(10, 0), None, 1);
        assert_eq!(learned.cadence(), None);
        learned.learn(at(11, 0), None, 1);
        assert_eq!(
            learned.cadence(),
            Some(Cadence {
                gap: Duration::from_secs(3600),
                from: CadenceFrom::Arrivals
            })
        );
        for minute in 0..20 {
            learned.learn(at(12, minute), None, 1);
        }
        assert_eq!(learned.arrivals.len(), ARRIVALS_KEPT);
        assert_eq!(learned.arrivals.last(), Some(&at(12, 19)));
        // Dated items, once seen, decide.
        learned.learn(at(13, 0), Some(Duration::from_secs(1800)), 0);
        assert_eq!(
            learned.cadence(),
            Some(Cadence {
                gap: Duration::from_secs(1800),
                from: CadenceFrom::ItemDates
            })
        );
    }

    #[test]
    fn new_then_unchanged_then_updated_with_the_next_revision() {
        let dir = tempfile::tempdir().unwrap();
        let state = LocalState::open(dir.path()).unwrap();
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

    /// A store written before 0.2 knows link-identified items by ids made from their link's old
    /// form: they are found by it, unchanged unless their content changed, and keep it.
    #[test]
    fn items_known_by_their_legacy_id_or_hash_are_those_items() {
        let dir = tempfile::tempdir().unwrap();
        let state = LocalState::open(dir.path()).unwrap();
        write_batch(
            &state,
            &[record("old-id", "old-hash"), record("guid", "old-hash-2")],
            &SourceState::default(),
        );
        let key = |id, hash, legacy| ItemKey {
            id,
            source_hash: hash,
            legacy,
        };
        let found = state
            .classify(
                "kan",
                [
                    key("new-id", "new-hash", Some(("old-id", "old-hash"))),
                    key("guid", "new-hash-2", Some(("guid", "old-hash-2"))),
                    key("other-id", "h", Some(("other-old-id", "h0"))),
                    key("new-id-3", "changed", Some(("old-id", "old-hash"))),
                ]
                .into_iter(),
            )
            .unwrap();
        assert_eq!(
            found,
            vec![
                Classified {
                    change: Change::Unchanged,
                    legacy_id: true
                },
                Classified {
                    change: Change::Unchanged,
                    legacy_id: false
                },
                Classified {
                    change: Change::New,
                    legacy_id: false
                },
                Classified {
                    change: Change::Unchanged,
                    legacy_id: true
                },
            ]
        );
        let changed = state
            .classify(
                "kan",
                std::iter::once(key(
                    "new-id",
                    "changed",
                    Some(("old-id", "changed-old-form")),
                )),
            )
            .unwrap();
        assert_eq!(
            changed,
            vec![Classified {
                change: Change::Updated { revision: 2 },
                legacy_id: true
            }]
        );
    }

    #[test]
    fn one_id_twice_in_a_batch_is_one_item() {
        let dir = tempfile::tempdir().unwrap();
        let state = LocalState::open(dir.path()).unwrap();
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

    fn etag(state: &LocalState) -> Option<String> {
        state.source("kan").unwrap().etag
    }

    fn with_etag(etag: &str) -> SourceState {
        SourceState {
            etag: Some(etag.to_owned()),
            ..SourceState::default()
        }
    }

    #[test]
    fn a_state_set_is_read_at_once_and_stored_by_the_next_save_or_batch() {
        let dir = tempfile::tempdir().unwrap();
        {
            let state = LocalState::open(dir.path()).unwrap();
            state.set_source("kan", &with_etag("a"));
            assert_eq!(etag(&state).as_deref(), Some("a"));
            assert!(state.has_unsaved());
            state.save_sources().unwrap();
            assert!(!state.has_unsaved());
        }
        let state = LocalState::open(dir.path()).unwrap();
        assert_eq!(etag(&state).as_deref(), Some("a"));

        // A batch's state is newer than one set before it: the batch's is stored.
        state.set_source("kan", &with_etag("b"));
        write_batch(&state, &[record("x", "h1")], &with_etag("c"));
        assert_eq!(etag(&state).as_deref(), Some("c"));
        assert!(!state.has_unsaved());

        // A state set while a save is under way is newer than what the save stores: it stays.
        state.set_source("kan", &with_etag("d"));
        let txn = state.db.begin_write().unwrap();
        let saved = state.store_unsaved(&txn, &HashSet::new()).unwrap();
        state.set_source("kan", &with_etag("e"));
        txn.commit().unwrap();
        state.forget_saved(&saved);
        assert!(state.has_unsaved());
        assert_eq!(etag(&state).as_deref(), Some("e"));
        state.save_sources().unwrap();
        drop(state);
        assert_eq!(
            etag(&LocalState::open(dir.path()).unwrap()).as_deref(),
            Some("e")
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
            let state = LocalState::open(dir.path()).unwrap();
            let mut records = vec![record("a", "h1")];
            classify(&state, &mut records);
            write_batch(&state, &records, &source_state);
            assert!(matches!(
                LocalState::open(dir.path()),
                Err(StateError::InUse { .. })
            ));
        }
        let state = LocalState::open(dir.path()).unwrap();
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
        let state = LocalState::open(dir.path()).unwrap();
        state.set_source(
            "kan",
            &SourceState {
                etag: Some("\"v1\"".to_owned()),
                ..SourceState::default()
            },
        );
        state.save_sources().unwrap();
        let records = vec![record("a", "h1"), record("b", "h1")];
        let batch = PendingBatch {
            source: "kan".to_owned(),
            file: "2026-11-28.jsonl".to_owned(),
            offset: 10,
            items: items(&records),
        };
        let ticket = state
            .begin_batches(std::slice::from_ref(&batch))
            .unwrap()
            .remove(0);
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
