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

mod output;

use std::sync::Arc;
use std::time::Instant;

use chrono::{SubsecRound, Utc};

use crate::config::{Config, SourceConfig, SourceLocation};
use crate::fetch::{Document, FetchError, Fetched, Fetcher, ServerHints, Validators};
use crate::record::{Record, record_id};
use crate::report::{Counts, Failure, SourceError, SourceReport};
use crate::state::{Change, ItemKey};
use crate::text::Analyzer;
use crate::{extract, parse};
pub use output::{
    DELIVERY_BUCKETS, Deliveries, Destination, EncodedBatch, Output, OutputError, Recovery,
};

/// Everything a pass over sources shares: the fetcher (one client, per-host limits), the
/// analyzer (built once for the candidate languages) and the output.
#[derive(Debug, Clone)]
pub struct Ingester {
    fetcher: Fetcher,
    analyzer: Arc<Analyzer>,
    output: Arc<Output>,
    budget: Arc<MemoryBudget>,
}

/// Runs `work` on rayon's pool (one thread per core) and waits for it without blocking the
/// runtime. Parsing and record building run there rather than on tokio's blocking pool (up to
/// 512 threads): glibc gives each thread that allocates under contention its own arena and keeps
/// what was freed in it, so the same work spread over many threads kept many arenas full —
/// twenty dense feeds, parsed one at a time, peaked at 963 MiB on the blocking pool and at
/// 404 MiB with two arenas (`MALLOC_ARENA_MAX=2`). A panic is returned as a failure, as
/// `spawn_blocking` would.
async fn on_cpu_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    let (done, result) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        // The receiver is gone only when the check was abandoned (shutdown).
        let _ = done.send(outcome);
    });
    match result.await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_panic)) => Err(Failure::Internal("the worker panicked".to_owned())),
        Err(_) => Err(Failure::Internal("the worker stopped".to_owned())),
    }
}

/// What parsing a document and building and writing its records can cost, per byte of its
/// text, at most: measured on the densest feed there is, 10 MB of 182,536 items of a few bytes
/// each (peak 200 MiB, 187 MiB above an idle process, when this was set — 138 MiB since; a feed
/// of ordinary items costs 2–4×).
const COST_PER_TEXT_BYTE: u64 = 20;

/// `[output] memory_budget`: the documents being parsed and written at once, counted at
/// [`COST_PER_TEXT_BYTE`] per byte of text. A source waits for its share once its documents are
/// read and holds it until its records are written; a document that costs more than the whole
/// budget waits for all of it and runs alone. Ordinary feeds (100 KB: 2 MB) never wait at the
/// default (128 of them fit; `fetch` runs 64 sources at once); twenty 10 MB feeds at once are
/// parsed one at a time.
#[derive(Debug)]
struct MemoryBudget {
    /// In KiB, so that any budget fits a semaphore's permits.
    kib: tokio::sync::Semaphore,
    total_kib: u32,
}

impl MemoryBudget {
    fn new(bytes: u64) -> MemoryBudget {
        let total_kib = u32::try_from(bytes / 1024).unwrap_or(u32::MAX).max(1);
        MemoryBudget {
            kib: tokio::sync::Semaphore::new(total_kib as usize),
            total_kib,
        }
    }

    /// Waits until documents of `text_bytes` bytes may be parsed; their share is returned when
    /// the permit is dropped.
    async fn reserve(&self, text_bytes: u64) -> Option<tokio::sync::SemaphorePermit<'_>> {
        let kib = text_bytes.saturating_mul(COST_PER_TEXT_BYTE) / 1024;
        let kib = u32::try_from(kib)
            .unwrap_or(u32::MAX)
            .clamp(1, self.total_kib);
        // The semaphore is never closed; without a permit the source would go on unbounded.
        self.kib.acquire_many(kib).await.ok()
    }
}

impl Ingester {
    pub fn new(config: &Config, output: Arc<Output>) -> Result<Ingester, FetchError> {
        let fetcher = Fetcher::new(&config.http);
        // A configuration that reads the web finds out now if its [http] settings cannot be
        // used (at start-up, or on a reload that keeps the running settings); one that reads
        // only files never builds the clients.
        if config
            .sources
            .iter()
            .any(|s| matches!(s.location, SourceLocation::Http(_)) || s.follow_links)
        {
            fetcher.prepare_http()?;
        }
        Ok(Ingester {
            fetcher,
            analyzer: Arc::new(Analyzer::new(&config.defaults.languages)),
            output,
            budget: Arc::new(MemoryBudget::new(config.output.memory_budget)),
        })
    }

    pub fn output(&self) -> &Arc<Output> {
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
            cadence: None,
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
        let fetched = match self.fetcher.fetch(source, &stored).await {
            Ok(fetched) => fetched,
            Err(err) => {
                report.hints.retry_after = err.retry_after();
                return Err(err.into());
            }
        };
        let now = Utc::now().trunc_subsecs(0);
        source_state.last_success = Some(now);
        source_state.consecutive_failures = 0;
        source_state.last_error = None;
        report.cadence = source_state.cadence();
        let (documents, validators, hints) = match fetched {
            Fetched::NotModified { validators, hints } => {
                report.not_modified = true;
                report.hints = hints;
                let updated = stored.updated_by(&validators);
                source_state.etag = updated.etag;
                source_state.last_modified = updated.last_modified;
                state.set_source(&source.name, &source_state);
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
        let text_bytes = documents.iter().map(|d| d.text.len() as u64).sum();
        let _memory = self.budget.reserve(text_bytes).await;
        report.ttl = documents.iter().filter_map(parse::ttl).max();
        let updated = stored.updated_by(&validators);
        source_state.etag = updated.etag;
        source_state.last_modified = updated.last_modified;

        let rules = page_rules(source)?;
        let this = self.clone();
        let owned = source.clone();
        let classified = on_cpu_pool(move || this.classify_documents(&owned, documents)).await??;
        source_state.learn(now, classified.gap, classified.counts.new);
        report.cadence = source_state.cadence();
        report.warnings.extend(classified.warnings.iter().cloned());
        report.counts.unchanged = classified.counts.unchanged;

        // Large passes are written in batches, so that memory stays bounded by a batch (a feed
        // of 100,000 items, or as many followed pages) and a crash keeps what was written. Only
        // the last batch stores the new validators: a crash before it leaves the old ones, so the
        // next pass reads the document again instead of hearing "not modified".
        let mut interim = source_state.clone();
        interim.etag = stored.etag.clone();
        interim.last_modified = stored.last_modified.clone();
        let batch_count = classified.changed.len().div_ceil(BATCH_ITEMS);
        if batch_count == 0 {
            self.output.state().set_source(&source.name, &source_state);
        }
        let last = batch_count.saturating_sub(1);
        // Each batch is built while the one before it is written: the writer's disk time
        // overlaps the analysis instead of leaving the cores idle. Batches are still handed
        // over one at a time, in order, each once the one before it is durable.
        let mut writing = None;
        for (index, batch) in classified.changed.into_batches(BATCH_ITEMS).enumerate() {
            let pages = if source.follow_links {
                self.follow_links(source, &batch, &rules).await
            } else {
                Vec::new()
            };
            let this = self.clone();
            let owned = source.clone();
            let state = if index == last {
                source_state.clone()
            } else {
                interim.clone()
            };
            let (encoded, counts) =
                on_cpu_pool(move || this.encode_batch(&owned, &batch, pages)).await??;
            if let Some((previous, counts)) = writing.take() {
                written(previous, counts, report).await?;
            }
            writing = Some((self.output.write(&source.name, encoded, state), counts));
        }
        if let Some((previous, counts)) = writing {
            written(previous, counts, report).await?;
        }
        documents_failed(classified.parse_failures)
    }

    /// Reads the article page of every changed item that has a link, a few at a time (the
    /// per-host limits of the fetcher decide how fast one host is asked), and extracts it on
    /// the blocking pool as soon as it arrives, so that only the extracted text is kept. The
    /// result is in the order of `changed`; an item whose page could not be used gets the reason.
    async fn follow_links(
        &self,
        source: &SourceConfig,
        changed: &[(parse::FeedEntry, u32)],
        rules: &Arc<extract::PageRules>,
    ) -> Vec<Option<Result<FollowedPage, String>>> {
        let permits = Arc::new(tokio::sync::Semaphore::new(FOLLOW_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, (entry, _)) in changed.iter().enumerate() {
            let Some(url) = entry.url.clone() else {
                continue;
            };
            let fetcher = self.fetcher.clone();
            let rules = Arc::clone(rules);
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let document = match fetcher.fetch_link(&url).await {
                    Ok(document) => document,
                    Err(err) => return (index, Err(err.to_string())),
                };
                let extracted = tokio::task::spawn_blocking(move || {
                    if let Some(reason) = crate::markup::cost::refusal(&document.text) {
                        return Err(reason);
                    }
                    let page = extract::page::extract(&document.text, Some(&document.url), &rules);
                    Ok(FollowedPage {
                        page,
                        warnings: document.warnings,
                    })
                })
                .await
                .map_err(|e| format!("the extractor stopped: {e}"))
                .and_then(|page| page);
                (index, extracted)
            });
        }
        let mut pages: Vec<Option<Result<FollowedPage, String>>> =
            (0..changed.len()).map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, page)) => {
                    if let Err(reason) = &page {
                        tracing::warn!(source = %source.name, url = changed[index].0.url.as_ref().map(|u| u.as_str()).unwrap_or_default(), "The item's page was not used: {reason}");
                    }
                    if let Some(slot) = pages.get_mut(index) {
                        *slot = Some(page);
                    }
                }
                Err(e) => tracing::error!(source = %source.name, "A page reader stopped: {e}"),
            }
        }
        pages
    }

    /// Parses and classifies the items of `documents` (blocking work) by id and source hash, so
    /// that an unchanged item costs no page fetch, extraction or text analysis. A document that
    /// does not parse fails the source, but the other documents of a folder are still written.
    fn classify_documents(
        &self,
        source: &SourceConfig,
        documents: Vec<Document>,
    ) -> Result<Classified, Failure> {
        // Memory: a dense feed has hundreds of thousands of items, so the entries stay in one
        // vector, filtered in place; ids, keys and revisions run beside it (no second vector of
        // entries is ever built).
        let mut entries: Vec<parse::FeedEntry> = Vec::new();
        let mut warnings = Vec::new();
        let mut parse_failures = Vec::new();
        // Each document is dropped once parsed: its items are all that is needed from here on.
        let single = documents.len() == 1;
        let mut empty = 0;
        for document in documents {
            match parse::entries(&document, source) {
                Ok(found) => {
                    empty += found.empty;
                    warnings.extend(found.warnings);
                    if entries.is_empty() {
                        entries = found.entries;
                    } else {
                        entries.extend(found.entries);
                    }
                }
                Err(err) if single => return Err(err.into()),
                Err(err) => parse_failures.push(format!("{}: {err}", document.url)),
            }
        }
        if empty > 0 {
            warnings.push(format!(
                "{empty} empty items skipped (no id, link, title, date or text)"
            ));
        }
        entries.shrink_to_fit();
        let gap = crate::state::median_gap(entries.iter().filter_map(|e| e.published).collect());
        let mut ids: Vec<String> = entries
            .iter()
            .map(|entry| record_id(&source.name, entry))
            .collect();
        // One item twice in a pass (the same GUID in two files of a folder — snapshots of one
        // feed): the last copy is the item. Keeping both would write a new revision on every
        // pass, flip-flopping between the copies.
        let keep = last_copies(&ids);
        let repeated = keep.iter().filter(|&&kept| !kept).count();
        if repeated > 0 {
            retain_where(&mut entries, &keep);
            retain_where(&mut ids, &keep);
            warnings.push(format!(
                "{repeated} items repeated an id seen later in this pass; the last copy was kept"
            ));
        }
        // Only the few items an earlier release identified otherwise have a legacy id.
        let legacy_ids: std::collections::HashMap<usize, String> = entries
            .iter()
            .enumerate()
            .filter_map(|(index, entry)| {
                let legacy = entry.legacy.as_ref()?;
                let id =
                    crate::hash::record_id(&source.name, entry.identity.basis.name(), &legacy.key);
                Some((index, id))
            })
            .collect();
        let keys = ids
            .iter()
            .zip(&entries)
            .enumerate()
            .map(|(index, (id, entry))| ItemKey {
                id,
                source_hash: entry.source_hash.as_str(),
                legacy: legacy_ids
                    .get(&index)
                    .map(String::as_str)
                    .zip(entry.legacy.as_ref().map(|l| l.source_hash.as_str())),
            });
        let changes = self.output.state().classify(&source.name, keys)?;
        drop(legacy_ids);
        drop(ids);
        let mut counts = Counts::default();
        let mut revisions = Vec::new();
        let mut verdicts = changes.into_iter();
        entries.retain_mut(|entry| {
            let Some(classified) = verdicts.next() else {
                return false;
            };
            let revision = match classified.change {
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
                    return false;
                }
            };
            // Known by the id an earlier release gave it: its records keep that id.
            if classified.legacy_id
                && let Some(legacy) = entry.legacy.take()
            {
                entry.identity.key = legacy.key;
            }
            revisions.push(revision);
            true
        });
        entries.shrink_to_fit();
        let changed = Changed { entries, revisions };
        Ok(Classified {
            changed,
            counts,
            warnings,
            parse_failures,
            gap,
        })
    }

    /// Builds and serializes the records of one batch of classified items (blocking work),
    /// with the counts of what they are.
    fn encode_batch(
        &self,
        source: &SourceConfig,
        batch: &[(parse::FeedEntry, u32)],
        pages: Vec<Option<Result<FollowedPage, String>>>,
    ) -> Result<(EncodedBatch, Counts), Failure> {
        let ingested = Utc::now().trunc_subsecs(0);
        let records = self.build_records(source, batch, pages, ingested);
        let new = records.iter().filter(|r| r.revision == 1).count();
        let counts = Counts {
            new,
            updated: records.len() - new,
            unchanged: 0,
        };
        Ok((EncodedBatch::new(&records)?, counts))
    }

    /// Extracts and analyses the changed items, in order, on rayon's pool (one thread per core
    /// whatever the number of checks in flight; text analysis is most of a large feed's cost). An item whose page was followed
    /// gets its body from the page; one whose page failed keeps the feed's own content and says
    /// why in a `link_not_followed` warning.
    fn build_records(
        &self,
        source: &SourceConfig,
        changed: &[(parse::FeedEntry, u32)],
        pages: Vec<Option<Result<FollowedPage, String>>>,
        ingested: chrono::DateTime<Utc>,
    ) -> Vec<Record> {
        let mut pages = pages.into_iter();
        let work: Vec<Work<'_>> = changed
            .iter()
            .map(|(entry, revision)| (entry, *revision, pages.next().flatten()))
            .collect();
        let build = |(entry, revision, page): &Work<'_>| {
            let (entry, article) = match page {
                None => (std::borrow::Cow::Borrowed(*entry), extract::article(entry)),
                Some(Ok(followed)) => match with_its_page(entry, &followed.page) {
                    Ok((mut entry, article)) => {
                        entry.warnings.extend(followed.warnings.iter().cloned());
                        (std::borrow::Cow::Owned(entry), article)
                    }
                    Err(reason) => not_followed(entry, &reason),
                },
                Some(Err(reason)) => not_followed(entry, reason),
            };
            let mut record = Record::build(
                &source.name,
                &entry,
                &article,
                &self.analyzer,
                source.lang_hint,
                ingested,
            );
            record.revision = *revision;
            record
        };
        if work.len() < PARALLEL_FROM {
            return work.iter().map(build).collect();
        }
        use rayon::prelude::*;
        work.par_iter().map(build).collect()
    }

    /// Stores a failure in the source's health, keeping its validators.
    fn remember_failure(&self, source: &SourceConfig, failure: &Failure) {
        let state = self.output.state();
        let result = state.source(&source.name).map(|mut source_state| {
            source_state.last_failure = Some(Utc::now().trunc_subsecs(0));
            source_state.last_error = Some(failure.to_string());
            source_state.consecutive_failures = source_state.consecutive_failures.saturating_add(1);
            state.set_source(&source.name, &source_state);
        });
        if let Err(err) = result {
            tracing::error!(source = %source.name, "Could not record the failure in the state store: {err}");
        }
    }
}

/// `nahar extract`: reads one article page (`source`'s location, trusted like a configured
/// source) and builds the record nahar would write for it, with the source's settings
/// (`[source.extract]`, `lang_hint`, `encoding`). Writes nothing.
pub async fn extract_page(config: &Config, source: &SourceConfig) -> Result<Record, SourceError> {
    let failed = |failure: Failure| SourceError {
        source_name: source.name.clone(),
        url: source.display_url(),
        failure,
    };
    let rules = page_rules(source).map_err(failed)?;
    let fetcher = Fetcher::new(&config.http);
    let mut documents = match fetcher
        .fetch(source, &Validators::default())
        .await
        .map_err(|e| failed(e.into()))?
    {
        Fetched::Modified { documents, .. } => documents,
        // Nothing was sent to make a 304 possible; a server that answers one anyway has no page.
        Fetched::NotModified { .. } => {
            return Err(failed(Failure::Parse(parse::ParseError::NotAFeed(
                "the server answered 304 Not Modified to an unconditional request".to_owned(),
            ))));
        }
    };
    if documents.len() != 1 {
        return Err(failed(Failure::Parse(parse::ParseError::Unsupported(
            format!(
                "expected one page, found {} files (a folder?)",
                documents.len()
            ),
        ))));
    }
    let document = documents.remove(0);
    let analyzer = Analyzer::new(&config.defaults.languages);
    let lang_hint = source.lang_hint;
    let name = source.name.clone();
    if let Some(reason) = crate::markup::cost::refusal(&document.text) {
        return Err(failed(Failure::Parse(parse::ParseError::Unsupported(
            reason,
        ))));
    }
    tokio::task::spawn_blocking(move || {
        let page = extract::page::extract(&document.text, Some(&document.url), &rules);
        let (entry, article) = page_as_item(&document.url, &page, document.warnings);
        let ingested = Utc::now().trunc_subsecs(0);
        Record::build(&name, &entry, &article, &analyzer, lang_hint, ingested)
    })
    .await
    .map_err(|e| failed(Failure::Internal(format!("the extractor stopped: {e}"))))
}

/// Waits for a batch handed to the writer and counts its records once they are durable.
async fn written(
    writing: impl std::future::Future<Output = Result<(), Failure>>,
    counts: Counts,
    report: &mut SourceReport,
) -> Result<(), Failure> {
    writing.await?;
    report.counts.new += counts.new;
    report.counts.updated += counts.updated;
    Ok(())
}

/// The failure of a folder source some of whose documents did not parse (the others were
/// written).
fn documents_failed(mut parse_failures: Vec<String>) -> Result<(), Failure> {
    match parse_failures.len() {
        0 => Ok(()),
        1 => Err(Failure::Parse(parse::ParseError::Malformed(
            parse_failures.remove(0),
        ))),
        n => Err(Failure::Parse(parse::ParseError::Malformed(format!(
            "{n} documents failed: {}",
            parse_failures.join("; ")
        )))),
    }
}

/// Items built and written together: one journal entry and one fsync each. Large enough that
/// the fsync is rare, small enough that a batch's records take a few MB.
const BATCH_ITEMS: usize = 2_000;

/// The feed's own article of an item whose page could not be used, with the reason as a
/// `link_not_followed: …` warning: the item is never lost for its page.
fn not_followed<'e>(
    entry: &'e parse::FeedEntry,
    reason: &str,
) -> (std::borrow::Cow<'e, parse::FeedEntry>, extract::Article) {
    let mut owned = entry.clone();
    owned.warnings.push(format!("link_not_followed: {reason}"));
    let article = extract::article(entry);
    (std::borrow::Cow::Owned(owned), article)
}

/// A source's `[source.extract]` rules, compiled (the config checked them when it was read).
fn page_rules(source: &SourceConfig) -> Result<Arc<extract::PageRules>, Failure> {
    extract::PageRules::new(source.extract.body.as_deref(), &source.extract.remove)
        .map(Arc::new)
        .map_err(|e| {
            Failure::Parse(parse::ParseError::Unsupported(format!(
                "[source.extract] {e}"
            )))
        })
}

/// One item to build: the entry, its revision, and its followed page (or why there is none).
type Work<'e> = (
    &'e parse::FeedEntry,
    u32,
    Option<Result<FollowedPage, String>>,
);

/// An item's article page, extracted, with the warnings its decoding raised.
#[derive(Debug)]
struct FollowedPage {
    page: extract::Page,
    warnings: Vec<String>,
}

/// What a pass found in a source's documents, before any record is built.
#[derive(Debug)]
/// New and changed items, in order, and the revision each will be written as.
struct Changed {
    entries: Vec<parse::FeedEntry>,
    revisions: Vec<u32>,
}

impl Changed {
    /// Batches of at most `size` items, in order, taken one after the other: no second copy of
    /// all the items exists, and the memory of the items already handed out is given back as
    /// the batches are written (while the state store's cache fills up with their ids).
    fn into_batches(self, size: usize) -> impl Iterator<Item = Vec<(parse::FeedEntry, u32)>> {
        let size = size.max(1);
        // Reversed, so that each batch comes off the end.
        let mut entries = self.entries;
        let mut revisions = self.revisions;
        entries.reverse();
        revisions.reverse();
        let mut handed_out = 0usize;
        std::iter::from_fn(move || {
            if entries.is_empty() {
                return None;
            }
            let from = entries.len().saturating_sub(size);
            let batch: Vec<(parse::FeedEntry, u32)> = entries
                .drain(from..)
                .rev()
                .zip(revisions.drain(from.min(revisions.len())..).rev())
                .collect();
            handed_out += batch.len();
            // Shrinking a large vector is a `mremap`, not a copy; once every 4 batches gives
            // the memory back about as fast as the state store's cache takes it.
            if handed_out >= 4 * size {
                handed_out = 0;
                entries.shrink_to_fit();
                revisions.shrink_to_fit();
            }
            Some(batch)
        })
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

struct Classified {
    changed: Changed,
    counts: Counts,
    warnings: Vec<String>,
    /// Documents of a folder that did not parse (`URL: cause`).
    parse_failures: Vec<String>,
    gap: Option<std::time::Duration>,
}

/// Item pages read at once per source; the fetcher's per-host limits still apply on top.
const FOLLOW_CONCURRENCY: usize = 8;

/// Items fewer than this are built on the calling thread: the pool costs more than it saves.
const PARALLEL_FROM: usize = 64;

/// For each id, whether it is the last copy of that id in `ids` (the one kept).
fn last_copies(ids: &[String]) -> Vec<bool> {
    let mut last: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        last.insert(id, index);
    }
    ids.iter()
        .enumerate()
        .map(|(index, id)| last.get(id.as_str()) == Some(&index))
        .collect()
}

/// Keeps the items whose `keep` is true, in order, in place.
fn retain_where<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut index = 0;
    items.retain(|_| {
        let kept = keep.get(index).copied().unwrap_or(true);
        index += 1;
        kept
    });
}

/// The article of an item whose page was read: the page's body, with the feed's title (the
/// page's when the feed has none); the item gains the page's author, date and language where
/// the feed gave none. `Err` says why the page cannot stand for the item (no article text).
fn with_its_page(
    entry: &parse::FeedEntry,
    page: &extract::Page,
) -> Result<(parse::FeedEntry, extract::Article), String> {
    let has_text = page
        .blocks
        .iter()
        .any(|b| b.kind != extract::BlockKind::Heading && !b.text.trim().is_empty());
    if !has_text {
        return Err("the page has no article text".to_owned());
    }
    let mut entry = entry.clone();
    if entry.authors.is_empty() {
        entry.authors.extend(page.author.iter().cloned());
    }
    if entry.published.is_none() && entry.updated.is_none() {
        entry.published = page.published;
    }
    if entry.language.is_none() {
        entry.language.clone_from(&page.lang);
    }
    let mut article = extract::article(&entry);
    if article.title.is_none() {
        article.title = page.title.clone().filter(|t| !t.trim().is_empty());
    }
    article.blocks.clone_from(&page.blocks);
    Ok((entry, article))
}

/// A page read on its own (`nahar extract`) as an item: identified by its canonical URL (so it
/// gets the id a feed item linking to it by URL would get), with the page's metadata, and its
/// article.
fn page_as_item(
    url: &url::Url,
    page: &extract::Page,
    warnings: Vec<String>,
) -> (parse::FeedEntry, extract::Article) {
    let canonical = crate::links::canonical_url(url.clone());
    let key = canonical
        .as_ref()
        .map_or_else(|| url.as_str().to_owned(), |u| u.as_str().to_owned());
    let body: String = page
        .blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let source_hash = crate::hash::source_hash(
        page.title.as_deref().unwrap_or_default(),
        &body,
        canonical.as_ref().map_or("", url::Url::as_str),
    );
    let entry = parse::FeedEntry {
        identity: crate::parse::Identity {
            basis: crate::parse::IdentityBasis::Link,
            key,
        },
        url: canonical,
        title: page.title.as_ref().map(|t| parse::Markup {
            content: t.clone(),
            is_html: false,
        }),
        summary: None,
        content: None,
        authors: page.author.iter().cloned().collect(),
        published: page.published,
        updated: None,
        language: page.lang.clone(),
        source_hash,
        warnings,
        legacy: None,
    };
    let article = extract::Article {
        title: page.title.clone().filter(|t| !t.trim().is_empty()),
        blocks: page.blocks.clone(),
    };
    (entry, article)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_come_in_order_whole_and_once() {
        let entry = |n: u32| parse::FeedEntry {
            identity: crate::parse::Identity {
                basis: crate::parse::IdentityBasis::Guid,
                key: n.to_string(),
            },
            url: None,
            title: None,
            summary: None,
            content: None,
            authors: Vec::new(),
            published: None,
            updated: None,
            language: None,
            source_hash: crate::hash::source_hash("", "", ""),
            warnings: Vec::new(),
            legacy: None,
        };
        for (count, size) in [(0, 3), (1, 3), (7, 3), (9, 3), (100, 2), (5, 1)] {
            let changed = Changed {
                entries: (0..count).map(entry).collect(),
                revisions: (0..count).map(|n| n + 1).collect(),
            };
            let batches: Vec<Vec<(parse::FeedEntry, u32)>> = changed.into_batches(size).collect();
            assert_eq!(
                batches.len(),
                (count as usize).div_ceil(size),
                "{count}/{size}"
            );
            assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= size));
            let flat: Vec<(String, u32)> = batches
                .into_iter()
                .flatten()
                .map(|(e, r)| (e.identity.key, r))
                .collect();
            let expected: Vec<(String, u32)> = (0..count).map(|n| (n.to_string(), n + 1)).collect();
            assert_eq!(flat, expected, "{count}/{size}");
        }
    }

    #[test]
    fn the_last_copy_of_an_id_is_kept_in_order() {
        let ids: Vec<String> = ["a", "b", "a", "c"].map(str::to_owned).to_vec();
        let keep = last_copies(&ids);
        assert_eq!(keep, [false, true, true, true]);
        let mut items = vec![1, 2, 3, 4];
        retain_where(&mut items, &keep);
        assert_eq!(items, [2, 3, 4]);
    }
}
