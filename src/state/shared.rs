//! The state of `nats` output: in the cluster's key-value buckets, shared by every instance.
//!
//! In: what [`super::State`] is asked, and which sources to (re)load from the cluster (those of
//! a host this instance has just taken). Out: the same answers as the local store, from two
//! buckets — `<PREFIX>_SOURCES` (each source's state as JSON) and `<PREFIX>_SEEN`
//! (`<source>.<id>` → `<revision> <source hash>`) — so whichever instance checks a source next
//! neither repeats nor misses an item, and an update becomes the same revision whoever sees it.
//! A source's state is written with compare-and-set on the revision it was read at: an instance
//! that lost a host cannot overwrite what the new holder stored.
//! Never: journals batches (the stream is the journal: a batch published again after a crash
//! carries the same message ids, and the server drops the copies), reads the bucket for an
//! item a pass of this instance already classified (the last pass's items are kept per source
//! until the source is reloaded), or for the items of a source whose stored state says it has
//! none (it says so before its first item is marked seen).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_nats::jetstream::kv;
use bytes::Bytes;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::unsaved::Unsaved;
use super::{BatchTicket, Change, Classified, Durable, ItemKey, SourceState, StateError};
use crate::cluster::{Cluster, ClusterError, SEEN_BUCKET, SOURCES_BUCKET};

/// Requests in flight at once for one call (gets of a pass's items, puts of a group's).
const IN_FLIGHT: usize = 64;

/// (revision, source hash) per item id.
type Window = HashMap<String, (u32, String)>;

/// A source's state as the `SOURCES` bucket holds it.
#[derive(Debug, Serialize, Deserialize)]
struct StoredSource {
    #[serde(flatten)]
    state: SourceState,
    /// Whether `SEEN` may hold items of the source. It is stored before the source's first item
    /// is marked seen, so the items of a source without it (a source the group has never
    /// written) need no lookups: without it, every item of a source's first ingest was looked
    /// up besides being put. A state that does not say is taken to have items.
    #[serde(default = "may_have_items")]
    has_items: bool,
}

fn may_have_items() -> bool {
    true
}

/// Logs a compare-and-set of a source's state lost to another instance.
fn warn_overtaken(source: &str) {
    tracing::warn!(
        source = %source,
        "Another instance stored this source's state since this one read it; its state is kept."
    );
}

/// What this instance knows of a source's stored state.
#[derive(Debug, Clone, Default)]
struct Known {
    state: SourceState,
    /// The key's revision when read or written (0: no key yet).
    revision: u64,
    has_items: bool,
}

/// The cluster's state of the sources; clones share it.
#[derive(Debug, Clone)]
pub struct SharedState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cluster: Cluster,
    buckets: tokio::sync::OnceCell<Buckets>,
    /// Each source's state as last read from or written to the cluster.
    known: Mutex<HashMap<String, Known>>,
    unsaved: Mutex<Unsaved>,
    /// Per source, the items of its last pass that the cluster knows.
    windows: Mutex<HashMap<String, Window>>,
    tickets: AtomicU64,
}

#[derive(Debug)]
struct Buckets {
    sources: kv::Store,
    seen: kv::Store,
}

impl From<ClusterError> for StateError {
    fn from(err: ClusterError) -> StateError {
        StateError::Cluster {
            servers: err.servers,
            message: err.message,
        }
    }
}

impl SharedState {
    /// The state in `cluster`'s buckets; nothing is read until asked (the cluster may not be
    /// reachable yet).
    pub fn new(cluster: Cluster) -> SharedState {
        SharedState {
            inner: Arc::new(Inner {
                cluster,
                buckets: tokio::sync::OnceCell::new(),
                known: Mutex::default(),
                unsaved: Mutex::default(),
                windows: Mutex::default(),
                tickets: AtomicU64::new(0),
            }),
        }
    }

    /// The cluster the state lives in.
    pub fn cluster(&self) -> &Cluster {
        &self.inner.cluster
    }

    async fn buckets(&self) -> Result<&Buckets, StateError> {
        let cluster = &self.inner.cluster;
        Ok(self
            .inner
            .buckets
            .get_or_try_init(|| async {
                Ok::<_, ClusterError>(Buckets {
                    sources: cluster.bucket(SOURCES_BUCKET, None).await?,
                    seen: cluster.bucket(SEEN_BUCKET, None).await?,
                })
            })
            .await?)
    }

    fn fail(&self, what: &str, err: impl std::fmt::Display) -> StateError {
        self.inner.cluster.error(format!("{what}: {err}")).into()
    }

    /// Runs `body` on the cluster's runtime for a caller on a plain thread.
    fn blocking<T: Send + 'static, F>(
        &self,
        body: impl FnOnce(SharedState) -> F + Send + 'static,
    ) -> Result<T, StateError>
    where
        F: std::future::Future<Output = Result<T, StateError>> + Send + 'static,
    {
        let this = self.clone();
        self.inner.cluster.block_on(body(this))?
    }

    /// Reads the stored state of `sources` from the cluster, replacing what this instance had
    /// (it may be older: another instance held them meanwhile) and forgetting their last pass.
    pub async fn load_sources(&self, sources: &[String]) -> Result<(), StateError> {
        let states = self.read_sources(sources).await?;
        let mut known = self.known();
        let mut unsaved = self.unsaved();
        let mut windows = self.windows();
        for (name, state) in states {
            unsaved.remove(&name);
            windows.remove(&name);
            known.insert(name, state);
        }
        Ok(())
    }

    /// The stored state of `sources`, as it is in the cluster now.
    async fn read_sources(&self, sources: &[String]) -> Result<Vec<(String, Known)>, StateError> {
        let buckets = self.buckets().await?;
        let mut loaded = futures_util::stream::iter(sources.iter().cloned())
            .map(|name| async move {
                let entry = buckets.sources.entry(name.as_str()).await;
                (name, entry)
            })
            .buffer_unordered(IN_FLIGHT);
        let mut states = Vec::with_capacity(sources.len());
        while let Some((name, entry)) = loaded.next().await {
            let entry = entry.map_err(|e| self.fail(&format!("the state of {name}"), e))?;
            let known = match entry {
                Some(entry) if entry.operation == kv::Operation::Put => {
                    // A state nahar cannot read (a future version's) costs one unconditional
                    // fetch, as in the local store, and lookups of its items.
                    let stored = serde_json::from_slice::<StoredSource>(&entry.value).ok();
                    Known {
                        has_items: stored.as_ref().is_none_or(|stored| stored.has_items),
                        state: stored.map(|stored| stored.state).unwrap_or_default(),
                        revision: entry.revision,
                    }
                }
                // Deleted by hand: its items may still be in `SEEN`.
                Some(entry) => Known {
                    state: SourceState::default(),
                    revision: entry.revision,
                    has_items: true,
                },
                None => Known::default(),
            };
            states.push((name, known));
        }
        Ok(states)
    }

    /// [`SharedState::load_sources`] for a caller on a plain thread (`nahar fetch`).
    pub fn load_sources_blocking(&self, sources: Vec<String>) -> Result<(), StateError> {
        self.blocking(move |this| async move { this.load_sources(&sources).await })
    }

    /// Forgets what this instance knows of `sources` and what it has not stored (a host it
    /// lost: the new holder's state is the one that counts).
    pub fn forget_sources(&self, sources: &[String]) {
        let mut known = self.known();
        let mut unsaved = self.unsaved();
        let mut windows = self.windows();
        for name in sources {
            known.remove(name);
            unsaved.remove(name);
            windows.remove(name);
        }
    }

    pub fn source(&self, source: &str) -> SourceState {
        if let Some(state) = self.unsaved().get(source) {
            return state.clone();
        }
        self.known()
            .get(source)
            .map(|known| known.state.clone())
            .unwrap_or_default()
    }

    pub fn set_source(&self, source: &str, state: &SourceState) {
        self.unsaved().set(source, state);
    }

    pub fn has_unsaved(&self) -> bool {
        !self.unsaved().is_empty()
    }

    /// Stores every state set since the last save (all of them, or those of `only`).
    pub async fn store_sources(&self, only: Option<&[String]>) -> Result<(), StateError> {
        let snapshot: Vec<(String, u64, SourceState)> = self
            .unsaved()
            .snapshot()
            .into_iter()
            .filter(|(name, _, _)| only.is_none_or(|only| only.contains(name)))
            .collect();
        let mut saved = Vec::with_capacity(snapshot.len());
        let states: Vec<(String, SourceState)> = snapshot
            .into_iter()
            .map(|(name, set, state)| {
                saved.push((name.clone(), set));
                (name, state)
            })
            .collect();
        self.put_sources(states).await?;
        self.unsaved().forget(&saved);
        Ok(())
    }

    /// Writes source states, each with compare-and-set on the revision this instance knows:
    /// a state another instance stored since is kept, and this one dropped. Each says whether
    /// the source has items as the stored one did.
    async fn put_sources(&self, states: Vec<(String, SourceState)>) -> Result<(), StateError> {
        if states.is_empty() {
            return Ok(());
        }
        let buckets = self.buckets().await?;
        // One write a source, of its last state: two at the same revision, the second would
        // fail as if another instance had written.
        let mut last = HashMap::with_capacity(states.len());
        for (name, state) in states {
            last.insert(name, state);
        }
        let mut rows = Vec::with_capacity(last.len());
        {
            let known = self.known();
            for (name, state) in last {
                // A source this instance has not read is created (revision 0), which fails if
                // another instance stored it: then it has no items yet.
                let (revision, has_items) = known
                    .get(&name)
                    .map_or((0, false), |known| (known.revision, known.has_items));
                let stored = StoredSource { state, has_items };
                let json = serde_json::to_vec(&stored).map_err(|e| self.fail(&name, e))?;
                rows.push((name, stored, json, revision));
            }
        }
        let mut puts = futures_util::stream::iter(rows)
            .map(|(name, stored, json, revision)| async move {
                let put = buckets
                    .sources
                    .update(name.as_str(), Bytes::from(json), revision)
                    .await;
                (name, stored, put)
            })
            .buffer_unordered(IN_FLIGHT);
        let mut written = Vec::new();
        let mut overtaken = Vec::new();
        let mut failure = None;
        while let Some((name, stored, put)) = puts.next().await {
            match put {
                Ok(revision) => written.push((name, stored, revision)),
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                    overtaken.push(name);
                }
                Err(e) => {
                    failure.get_or_insert_with(|| self.fail(&format!("storing {name}'s state"), e));
                }
            }
        }
        {
            let mut known = self.known();
            for (name, stored, revision) in written {
                let known_now = Known {
                    state: stored.state,
                    revision,
                    has_items: stored.has_items,
                };
                known.insert(name, known_now);
            }
            for name in &overtaken {
                warn_overtaken(name);
                known.remove(name);
            }
        }
        if !overtaken.is_empty() {
            self.load_sources(&overtaken).await?;
        }
        failure.map_or(Ok(()), Err)
    }

    /// Makes the stored state of `sources` say that they have items, before the first of them
    /// is marked seen. Once per source: a source whose stored state says so is left alone.
    async fn announce_items(&self, sources: Vec<String>) -> Result<(), StateError> {
        let mut sources = sources;
        sources.sort_unstable();
        sources.dedup();
        // Another instance storing the same source's state in between costs a round; the
        // holder of a host is alone in writing it, so a fourth round means something is wrong.
        for round in 0..=3 {
            let mut unmarked = Vec::new();
            let mut unread = Vec::new();
            {
                let known = self.known();
                for name in &sources {
                    match known.get(name) {
                        None => unread.push(name.clone()),
                        Some(known) if !known.has_items => {
                            unmarked.push((name.clone(), known.clone(), true));
                        }
                        Some(_) => {}
                    }
                }
            }
            if !unread.is_empty() {
                for (name, stored) in self.read_sources(&unread).await? {
                    if !stored.has_items {
                        unmarked.push((name, stored, false));
                    }
                }
            }
            if unmarked.is_empty() {
                return Ok(());
            }
            if round == 3 {
                break;
            }
            self.mark_has_items(unmarked).await?;
        }
        Err(self.fail(
            "storing that sources have items",
            "their state was stored by another instance three times in a row",
        ))
    }

    /// Stores each state as read, saying that the source has items, with compare-and-set on
    /// the revision it was read at. `held`: the state is this instance's own (in `known`),
    /// updated on success and forgotten when another instance stored it since. Otherwise it is
    /// the state of a host this instance lost while its pass was being written: it is marked
    /// where it was just read, never adopted, so that this instance's later write of the
    /// source's state fails its compare-and-set — the new holder's state is the one kept.
    async fn mark_has_items(&self, sources: Vec<(String, Known, bool)>) -> Result<(), StateError> {
        let buckets = self.buckets().await?;
        let mut rows = Vec::with_capacity(sources.len());
        for (name, known, held) in sources {
            let stored = StoredSource {
                state: known.state,
                has_items: true,
            };
            let json = serde_json::to_vec(&stored).map_err(|e| self.fail(&name, e))?;
            rows.push((name, json, known.revision, held));
        }
        let mut puts = futures_util::stream::iter(rows)
            .map(|(name, json, read_at, held)| async move {
                let put = buckets
                    .sources
                    .update(name.as_str(), Bytes::from(json), read_at)
                    .await;
                (name, read_at, held, put)
            })
            .buffer_unordered(IN_FLIGHT);
        let mut failure = None;
        while let Some((name, read_at, held, put)) = puts.next().await {
            match put {
                Ok(revision) if held => {
                    // Unless the source was read again meanwhile (a host taken back).
                    if let Some(known) = self.known().get_mut(&name)
                        && known.revision == read_at
                    {
                        known.revision = revision;
                        known.has_items = true;
                    }
                }
                Ok(_) => {}
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                    if held {
                        warn_overtaken(&name);
                        self.known().remove(&name);
                    }
                }
                Err(e) => {
                    failure.get_or_insert_with(|| self.fail(&format!("storing {name}'s state"), e));
                }
            }
        }
        failure.map_or(Ok(()), Err)
    }

    pub fn save_sources(&self) -> Result<(), StateError> {
        self.blocking(|this| async move { this.store_sources(None).await })
    }

    /// As [`super::LocalState::classify`], from the last pass's items and the `SEEN` bucket.
    /// Legacy ids are not looked for: no release before 0.2 wrote to a cluster.
    pub fn classify<'a>(
        &self,
        source: &str,
        items: impl Iterator<Item = ItemKey<'a>> + Clone,
    ) -> Result<Vec<Classified>, StateError> {
        let window = self.windows().remove(source).unwrap_or_default();
        let count = items.size_hint().0;
        // A source not read from the cluster is looked up: only the stored state can say that
        // `SEEN` holds nothing of it.
        let may_have_items = self.known().get(source).is_none_or(|known| known.has_items);
        let missing: Vec<String> = if may_have_items {
            items
                .clone()
                .filter(|item| !window.contains_key(item.id))
                .map(|item| item.id.to_owned())
                .collect()
        } else {
            Vec::new()
        };
        let source_name = source.to_owned();
        let looked_up: Window = if missing.is_empty() {
            Window::new()
        } else {
            self.blocking(move |this| async move { this.seen(&source_name, missing).await })?
        };
        let mut last_pass = Window::with_capacity(count);
        let mut in_pass: HashMap<&str, (u32, &str)> = HashMap::with_capacity(count);
        let mut classified = Vec::with_capacity(count);
        for item in items {
            let known = match in_pass.get(item.id) {
                Some(&(revision, hash)) => Some((revision, hash.to_owned())),
                None => window
                    .get(item.id)
                    .or_else(|| looked_up.get(item.id))
                    .cloned(),
            };
            if let Some(stored) = &known
                && !in_pass.contains_key(item.id)
            {
                last_pass.insert(item.id.to_owned(), stored.clone());
            }
            let change = match known {
                None => Change::New,
                Some((_, hash)) if hash == item.source_hash => Change::Unchanged,
                Some((revision, _)) => Change::Updated {
                    revision: revision.saturating_add(1),
                },
            };
            match change {
                Change::New => {
                    in_pass.insert(item.id, (1, item.source_hash));
                }
                Change::Updated { revision } => {
                    in_pass.insert(item.id, (revision, item.source_hash));
                }
                Change::Unchanged => {}
            }
            classified.push(Classified {
                change,
                legacy_id: false,
            });
        }
        self.windows().insert(source.to_owned(), last_pass);
        Ok(classified)
    }

    /// What the `SEEN` bucket holds for `ids` of `source`.
    async fn seen(&self, source: &str, ids: Vec<String>) -> Result<Window, StateError> {
        let buckets = self.buckets().await?;
        let mut gets = futures_util::stream::iter(ids)
            .map(|id| async move {
                let value = buckets.seen.get(format!("{source}.{id}")).await;
                (id, value)
            })
            .buffer_unordered(IN_FLIGHT);
        let mut found = Window::new();
        while let Some((id, value)) = gets.next().await {
            let value = value.map_err(|e| self.fail(&format!("the items of {source}"), e))?;
            if let Some(value) = value
                && let Some((revision, hash)) = std::str::from_utf8(&value)
                    .ok()
                    .and_then(|v| v.split_once(' '))
                && let Ok(revision) = revision.parse()
            {
                found.insert(id, (revision, hash.to_owned()));
            }
        }
        Ok(found)
    }

    /// Numbers the batches of a group; nothing is stored (see the module's "Never").
    pub fn begin_batches(&self, count: usize) -> Vec<BatchTicket> {
        let first = self
            .inner
            .tickets
            .fetch_add(count as u64, Ordering::Relaxed)
            + 1;
        (first..first + count as u64).map(BatchTicket).collect()
    }

    /// Marks the items of published batches seen, then stores their sources' states (and the
    /// states set since the last save): an item is never seen before its record is in the
    /// stream, and a source's state never names validators whose items are not seen.
    pub fn commit_batches(&self, durable: &[Durable<'_>]) -> Result<(), StateError> {
        let mut items = Vec::new();
        let mut states = Vec::with_capacity(durable.len());
        for done in durable {
            for item in &done.batch.items {
                items.push((
                    done.batch.source.clone(),
                    item.id.clone(),
                    item.revision,
                    item.source_hash.clone(),
                ));
            }
            states.push((done.batch.source.clone(), done.source_state.clone()));
        }
        self.blocking(move |this| async move {
            let batch_sources: Vec<String> = states.iter().map(|(name, _)| name.clone()).collect();
            this.announce_items(batch_sources.clone()).await?;
            this.mark_seen(items).await?;
            // A batch's state is newer than any set before it: those are dropped, not stored.
            let superseded: Vec<(String, u64)> = this
                .unsaved()
                .snapshot()
                .into_iter()
                .filter(|(name, _, _)| batch_sources.contains(name))
                .map(|(name, set, _)| (name, set))
                .collect();
            this.unsaved().forget(&superseded);
            this.put_sources(states).await?;
            this.store_sources(None).await
        })
    }

    async fn mark_seen(&self, items: Vec<(String, String, u32, String)>) -> Result<(), StateError> {
        let buckets = self.buckets().await?;
        let mut puts = futures_util::stream::iter(items)
            .map(|(source, id, revision, hash)| async move {
                let key = format!("{source}.{id}");
                let put = buckets
                    .seen
                    .put(key, Bytes::from(format!("{revision} {hash}")))
                    .await;
                (source, id, revision, hash, put)
            })
            .buffer_unordered(IN_FLIGHT);
        let mut failure = None;
        let mut marked = Vec::new();
        while let Some((source, id, revision, hash, put)) = puts.next().await {
            match put {
                Ok(_) => marked.push((source, id, revision, hash)),
                Err(e) => {
                    failure.get_or_insert_with(|| {
                        self.fail(&format!("marking {source}'s items seen"), e)
                    });
                }
            }
        }
        let mut windows = self.windows();
        for (source, id, revision, hash) in marked {
            windows
                .entry(source)
                .or_default()
                .insert(id, (revision, hash));
        }
        failure.map_or(Ok(()), Err)
    }

    fn known(&self) -> MutexGuard<'_, HashMap<String, Known>> {
        self.inner
            .known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn unsaved(&self) -> MutexGuard<'_, Unsaved> {
        self.inner
            .unsaved
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn windows(&self) -> MutexGuard<'_, HashMap<String, Window>> {
        self.inner
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
