//! Pipeline: one source in, its new and changed records durable on disk, a report out.
//!
//! In: a [`SourceConfig`] and the shared [`Ingester`] (one HTTP client, one analyzer, one
//! [`Output`]). Out: a [`SourceReport`]. The order is fixed here and nowhere else: stored
//! validators → fetch → parse → extract → record (text analysis) → classify against state →
//! journal the batch → append and fsync → mark seen and store the new validators. `nahar fetch`
//! and the daemon both call [`Ingester::ingest_source`]; there is no second path.
//! Never: marks an item seen before its line is durable, stores new validators for a document
//! whose records were not written (a later 304 would hide them for good), lets one source's
//! failure touch another source, or runs parsing and text analysis on the async reactor.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{SubsecRound, Utc};

use crate::config::{Config, SourceConfig};
use crate::fetch::{Document, FetchError, Fetched, Fetcher, ServerHints, Validators};
use crate::record::{Record, record_id};
use crate::report::{Counts, Failure, SourceError, SourceReport};
use crate::sink::{JsonlSink, OutputLock, SinkError};
use crate::state::{Change, PendingBatch, PendingItem, SourceState, State, StateError};
use crate::text::Analyzer;
use crate::{extract, parse};

/// Where records go.
#[derive(Debug)]
enum RecordSink {
    Jsonl(JsonlSink),
    /// `--out -`: JSON Lines on stdout; state is still kept, so each item is printed once.
    Stdout,
}

/// An output directory opened for writing: locked, repaired and reconciled.
#[derive(Debug)]
pub struct Output {
    dir: PathBuf,
    state: State,
    /// Serializes batches: journal, append and commit of one batch happen together.
    sink: Mutex<RecordSink>,
    _lock: OutputLock,
}

/// What opening an output directory had to repair after an interrupted run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Torn last lines cut off.
    pub torn_lines: usize,
    /// Records of interrupted batches that were durable and are now marked seen.
    pub recovered: usize,
    /// Records of interrupted batches that never reached the disk; their items are fetched
    /// again in full.
    pub missing: usize,
}

/// Why an output directory could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    State(#[from] StateError),
}

impl Output {
    /// Opens `dir` (`output.dir`): takes the lock (refusing a second nahar on it), cuts torn
    /// lines, and resolves batches a previous process left half-written. With `to_stdout`, records
    /// go to stdout instead of `dir/records`.
    pub fn open(dir: &Path, to_stdout: bool) -> Result<(Output, Recovery), OutputError> {
        let lock = OutputLock::acquire(dir)?;
        let (sink, repairs) = JsonlSink::open(&dir.join("records"))?;
        let state = State::open(&dir.join("state"))?;
        let mut recovery = Recovery {
            torn_lines: repairs.len(),
            ..Recovery::default()
        };
        for (ticket, batch) in state.pending()? {
            let written = if batch.file == STDOUT_FILE {
                Default::default()
            } else {
                sink.written_since(&batch.file, batch.offset)?
            };
            let resolved = state.resolve_batch(&ticket, &batch, &written)?;
            tracing::warn!(
                source = %batch.source,
                recovered = resolved.recovered,
                missing = resolved.missing,
                "Resolved a batch interrupted by a previous run: durable records kept, the rest will be fetched again."
            );
            recovery.recovered += resolved.recovered;
            recovery.missing += resolved.missing;
        }
        let sink = if to_stdout {
            RecordSink::Stdout
        } else {
            RecordSink::Jsonl(sink)
        };
        Ok((
            Output {
                dir: dir.to_owned(),
                state,
                sink: Mutex::new(sink),
                _lock: lock,
            },
            recovery,
        ))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Writes one source's batch durably, then marks it seen with the source's new state.
    fn write_batch(
        &self,
        source: &str,
        records: &[Record],
        source_state: &SourceState,
    ) -> Result<(), Failure> {
        let sink = self
            .sink
            .lock()
            .map_err(|_| Failure::Internal("the sink lock was poisoned".to_owned()))?;
        let items = records
            .iter()
            .map(|r| PendingItem {
                id: r.id.clone(),
                revision: r.revision,
                source_hash: r.source_hash.clone(),
            })
            .collect();
        match &*sink {
            RecordSink::Jsonl(jsonl) => {
                let day = records
                    .first()
                    .map(|r| r.ingested)
                    .unwrap_or_else(Utc::now)
                    .date_naive();
                let file = JsonlSink::file_name(day);
                let batch = PendingBatch {
                    source: source.to_owned(),
                    offset: jsonl.len(&file)?,
                    file: file.clone(),
                    items,
                };
                let ticket = self.state.begin_batch(&batch)?;
                if let Err(err) = jsonl.append(&file, records) {
                    self.state.abandon_batch(&ticket)?;
                    return Err(err.into());
                }
                self.state.commit_batch(&ticket, source_state)?;
            }
            RecordSink::Stdout => {
                use std::io::Write;
                let batch = PendingBatch {
                    source: source.to_owned(),
                    file: STDOUT_FILE.to_owned(),
                    offset: 0,
                    items,
                };
                let ticket = self.state.begin_batch(&batch)?;
                let mut buffer = Vec::new();
                for record in records {
                    serde_json::to_writer(&mut buffer, record)
                        .map_err(|e| Failure::Internal(e.to_string()))?;
                    buffer.push(b'\n');
                }
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                if let Err(err) = out.write_all(&buffer).and_then(|()| out.flush()) {
                    self.state.abandon_batch(&ticket)?;
                    return Err(Failure::Sink(SinkError::io(Path::new("<stdout>"), err)));
                }
                self.state.commit_batch(&ticket, source_state)?;
            }
        }
        Ok(())
    }
}

/// The journal's name for stdout: nothing can be reconciled against it.
const STDOUT_FILE: &str = "-";

/// Everything a pass over sources shares: the fetcher (one client, per-host limits), the
/// analyzer (built once for the candidate languages) and the output.
#[derive(Debug, Clone)]
pub struct Ingester {
    fetcher: Fetcher,
    analyzer: Arc<Analyzer>,
    output: Arc<Output>,
}

impl Ingester {
    pub fn new(config: &Config, output: Arc<Output>) -> Result<Ingester, FetchError> {
        Ok(Ingester {
            fetcher: Fetcher::new(&config.http)?,
            analyzer: Arc::new(Analyzer::new(&config.defaults.languages)),
            output,
        })
    }

    pub fn output(&self) -> &Output {
        &self.output
    }

    /// One pass over `source`: fetch, and write what is new or changed.
    pub async fn ingest_source(&self, source: &SourceConfig) -> SourceReport {
        let started = Instant::now();
        let mut report = SourceReport {
            source: source.name.clone(),
            url: source.display_url(),
            counts: Counts::default(),
            not_modified: false,
            warnings: Vec::new(),
            error: None,
            hints: ServerHints::default(),
            bytes: 0,
            elapsed: std::time::Duration::ZERO,
            publish_gap: None,
            ttl: None,
        };
        if let Err(failure) = self.ingest(source, &mut report).await {
            self.remember_failure(source, &failure);
            report.error = Some(SourceError {
                source_name: source.name.clone(),
                url: report.url.clone(),
                failure,
            });
        }
        report.elapsed = started.elapsed();
        report
    }

    async fn ingest(
        &self,
        source: &SourceConfig,
        report: &mut SourceReport,
    ) -> Result<(), Failure> {
        let state = self.output.state();
        let mut source_state = state.source(&source.name)?;
        let stored = Validators {
            etag: source_state.etag.clone(),
            last_modified: source_state.last_modified.clone(),
        };
        if source.follow_links {
            report.warnings.push(
                "follow_links is not supported by this version: records are built from the feed's own content"
                    .to_owned(),
            );
        }
        let fetched = match self.fetcher.fetch(source, &stored).await {
            Ok(fetched) => fetched,
            Err(err) => {
                report.hints.retry_after = err.retry_after();
                return Err(err.into());
            }
        };
        let now = Utc::now();
        source_state.last_success = Some(now.trunc_subsecs(0));
        source_state.consecutive_failures = 0;
        source_state.last_error = None;
        let (documents, validators, hints) = match fetched {
            Fetched::NotModified { validators, hints } => {
                report.not_modified = true;
                report.hints = hints;
                let updated = stored.updated_by(&validators);
                source_state.etag = updated.etag;
                source_state.last_modified = updated.last_modified;
                state.set_source(&source.name, &source_state)?;
                return Ok(());
            }
            Fetched::Modified {
                documents,
                validators,
                hints,
            } => (documents, validators, hints),
        };
        report.hints = hints;
        report.bytes = documents.iter().map(|d| d.size).sum();
        report.ttl = documents.iter().filter_map(parse::ttl).max();
        let updated = stored.updated_by(&validators);
        source_state.etag = updated.etag;
        source_state.last_modified = updated.last_modified;

        let this = self.clone();
        let source = source.clone();
        let (counts, warnings, failure, gap) = tokio::task::spawn_blocking(move || {
            this.write_documents(&source, &documents, &source_state)
        })
        .await
        .map_err(|e| Failure::Internal(format!("the worker stopped: {e}")))?;
        report.counts = counts;
        report.publish_gap = gap;
        report.warnings.extend(warnings);
        match failure {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    /// Parses, classifies, builds and writes the records of `documents` (blocking work). Items
    /// are classified by id and source hash *before* their records are built, so an unchanged
    /// item costs no extraction or text analysis. A document that does not parse fails the
    /// source, but the other documents of a folder are still written.
    fn write_documents(
        &self,
        source: &SourceConfig,
        documents: &[Document],
        source_state: &SourceState,
    ) -> (
        Counts,
        Vec<String>,
        Option<Failure>,
        Option<std::time::Duration>,
    ) {
        let ingested = Utc::now().trunc_subsecs(0);
        let mut entries = Vec::new();
        let mut warnings = Vec::new();
        let mut parse_failures = Vec::new();
        for document in documents {
            match parse::entries(document, source) {
                Ok(found) => entries.extend(found),
                Err(err) if documents.len() == 1 => {
                    return (Counts::default(), warnings, Some(err.into()), None);
                }
                Err(err) => parse_failures.push(format!("{}: {err}", document.url)),
            }
        }
        let gap = publish_gap(entries.iter().filter_map(|e| e.published).collect());
        let mut items: Vec<(String, parse::FeedEntry)> = entries
            .into_iter()
            .map(|entry| (record_id(&source.name, &entry), entry))
            .collect();
        // One item twice in a pass (the same GUID in two files of a folder — snapshots of one
        // feed): the last copy is the item. Keeping both would write a new revision on every
        // pass, flip-flopping between the copies.
        let repeated = keep_last_per_id(&mut items);
        if repeated > 0 {
            warnings.push(format!(
                "{repeated} items repeated an id seen later in this pass; the last copy was kept"
            ));
        }
        let keys: Vec<(&str, &str)> = items
            .iter()
            .map(|(id, entry)| (id.as_str(), entry.source_hash.as_str()))
            .collect();
        let changes = match self.output.state().classify(&source.name, &keys) {
            Ok(changes) => changes,
            Err(err) => return (Counts::default(), warnings, Some(err.into()), gap),
        };
        let mut counts = Counts::default();
        let mut changed = Vec::new();
        for ((_, entry), change) in items.iter().zip(changes) {
            let revision = match change {
                Change::New => {
                    counts.new += 1;
                    1
                }
                Change::Updated { revision } => {
                    counts.updated += 1;
                    revision
                }
                Change::Unchanged => {
                    counts.unchanged += 1;
                    continue;
                }
            };
            changed.push((entry, revision));
        }
        let records = self.build_records(source, &changed, ingested);
        let written = if records.is_empty() {
            self.output
                .state()
                .set_source(&source.name, source_state)
                .map_err(Failure::from)
        } else {
            self.output
                .write_batch(&source.name, &records, source_state)
        };
        if let Err(failure) = written {
            return (Counts::default(), warnings, Some(failure), gap);
        }
        let failure = match parse_failures.len() {
            0 => None,
            1 => parse_failures
                .pop()
                .map(|f| Failure::Parse(parse::ParseError::Malformed(f))),
            n => {
                warnings.extend(parse_failures.iter().skip(1).cloned());
                Some(Failure::Parse(parse::ParseError::Malformed(format!(
                    "{n} documents failed; first: {}",
                    parse_failures[0]
                ))))
            }
        };
        (counts, warnings, failure, gap)
    }

    /// Extracts and analyses the changed items, in order, on up to as many threads as there are
    /// cores (text analysis is most of a large feed's cost).
    fn build_records(
        &self,
        source: &SourceConfig,
        changed: &[(&parse::FeedEntry, u32)],
        ingested: chrono::DateTime<Utc>,
    ) -> Vec<Record> {
        let build = |(entry, revision): &(&parse::FeedEntry, u32)| {
            let article = extract::article(entry);
            let mut record = Record::build(
                &source.name,
                entry,
                &article,
                &self.analyzer,
                source.lang_hint,
                ingested,
            );
            record.revision = *revision;
            record
        };
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        if threads < 2 || changed.len() < PARALLEL_FROM {
            return changed.iter().map(build).collect();
        }
        let chunk = changed.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = changed
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(build).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| match worker.join() {
                    Ok(records) => records,
                    // Text analysis is total; a panic here is a bug, and it must not lose the
                    // other records silently — propagate it like the single-threaded path would.
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    }

    /// Stores a failure in the source's health, keeping its validators.
    fn remember_failure(&self, source: &SourceConfig, failure: &Failure) {
        let state = self.output.state();
        let result = state.source(&source.name).and_then(|mut source_state| {
            source_state.last_failure = Some(Utc::now().trunc_subsecs(0));
            source_state.last_error = Some(failure.to_string());
            source_state.consecutive_failures = source_state.consecutive_failures.saturating_add(1);
            state.set_source(&source.name, &source_state)
        });
        if let Err(err) = result {
            tracing::error!(source = %source.name, "Could not record the failure in the state store: {err}");
        }
    }
}

/// Items fewer than this are built on the calling thread: spawning costs more than it saves.
const PARALLEL_FROM: usize = 64;

/// Drops every item whose id occurs again later in `items`; returns how many were dropped.
fn keep_last_per_id<T>(items: &mut Vec<(String, T)>) -> usize {
    let mut last: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (index, (id, _)) in items.iter().enumerate() {
        last.insert(id.clone(), index);
    }
    let before = items.len();
    let mut index = 0;
    items.retain(|(id, _)| {
        let keep = last.get(id) == Some(&index);
        index += 1;
        keep
    });
    before - items.len()
}

/// The typical gap between a source's items: the median gap between consecutive publication
/// times (newest first or any order), `None` with fewer than three dated items.
pub fn publish_gap(
    mut published: Vec<chrono::DateTime<chrono::Utc>>,
) -> Option<std::time::Duration> {
    if published.len() < 3 {
        return None;
    }
    published.sort_unstable();
    let mut gaps: Vec<std::time::Duration> = published
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn publish_gap_is_the_median_gap() {
        use chrono::TimeZone;
        let at = |h: u32, m: u32| {
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 28, h, m, 0)
                .single()
                .unwrap_or_default()
        };
        assert_eq!(
            publish_gap(vec![at(12, 0), at(10, 0), at(11, 0), at(11, 30), at(9, 0)]),
            Some(S(3600))
        );
        assert_eq!(publish_gap(vec![at(12, 0), at(11, 0)]), None);
        assert_eq!(publish_gap(vec![at(12, 0), at(12, 0), at(12, 0)]), None);
    }

    #[test]
    fn keep_last_per_id_keeps_order_and_the_last_copy() {
        let mut items: Vec<(String, u32)> = vec![
            ("a".to_owned(), 1),
            ("b".to_owned(), 2),
            ("a".to_owned(), 3),
            ("c".to_owned(), 4),
        ];
        assert_eq!(keep_last_per_id(&mut items), 1);
        let ids: Vec<(&str, u32)> = items.iter().map(|(i, n)| (i.as_str(), *n)).collect();
        assert_eq!(ids, vec![("b", 2), ("a", 3), ("c", 4)]);
    }
}
