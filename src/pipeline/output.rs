//! The output directory opened for writing, and the one thread that writes to it.
//!
//! In: batches of records already serialized ([`EncodedBatch`]) with their source's new state,
//! from any number of checks at once. Out: each batch's lines durable in its records file (or
//! on stdout, or acknowledged by the NATS JetStream server) and its items marked seen, or an
//! error for that batch alone. Batches that arrive while a write
//! is under way are written together (group commit): one journal transaction, one append and
//! fsync per file, one transaction marking them seen — so a thousand sources finishing together
//! cost a few fsyncs, not three thousand. The same thread stores the source states set between
//! batches (with the next group, or after [`State::save_every`] without one) and otherwise
//! sleeps: an idle daemon's writer wakes twice a minute (every second with a cluster's state). How long each delivery took and how
//! it ended is counted ([`Deliveries`]) for `/metrics`.
//! Never: runs on the async runtime (a commit waits for the disk), marks an item seen before its
//! line is durable, or lets one batch's failed write touch another's file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::NaiveDate;

use crate::record::Record;
use crate::report::Failure;
use crate::sink::{JsonlSink, OutputLock, SinkError};
use crate::state::{
    BatchTicket, Durable, LocalState, PendingBatch, PendingItem, SourceState, State, StateError,
};
/// Most batches written together.
const GROUP_BATCHES: usize = 256;

/// Upper bounds of the delivery-time histogram, in seconds: an fsync or a publish
/// acknowledged by a cluster takes milliseconds; seconds mean trouble.
pub const DELIVERY_BUCKETS: [f64; 10] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 10.0];

/// What the writer delivered so far (for `/metrics`): each group of batches is one delivery —
/// one fsync per file, or one publish acknowledged by the server.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Deliveries {
    pub ok: u64,
    pub failed: u64,
    /// Records delivered (written and synced, or acknowledged).
    pub records: u64,
    /// Deliveries per bucket of [`DELIVERY_BUCKETS`] (not cumulative), failed ones included.
    pub buckets: [u64; DELIVERY_BUCKETS.len()],
    pub seconds_sum: f64,
}

impl Deliveries {
    fn observe(&mut self, elapsed: Duration, records: u64, ok: bool) {
        if ok {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
        self.records += records;
        let seconds = elapsed.as_secs_f64();
        if let Some(bucket) = DELIVERY_BUCKETS.iter().position(|le| seconds <= *le) {
            self.buckets[bucket] += 1;
        }
        self.seconds_sum += seconds;
    }

    /// Deliveries counted, slow ones above the last bucket included.
    pub fn count(&self) -> u64 {
        self.ok + self.failed
    }
}

/// An output directory opened for writing: locked, repaired and reconciled.
#[derive(Debug)]
pub struct Output {
    dir: PathBuf,
    state: Arc<State>,
    writer: Mutex<Option<Writer>>,
    probe: SinkProbe,
    deliveries: Arc<Mutex<Deliveries>>,
    _lock: OutputLock,
}

/// What can be asked about the sink while the writer thread owns it.
#[derive(Debug, Clone)]
enum SinkProbe {
    Files,
    Stdout,
    #[cfg(feature = "nats")]
    Nats(crate::cluster::Cluster),
}

/// The writer thread and the way to it.
#[derive(Debug)]
struct Writer {
    inbox: Sender<Message>,
    thread: JoinHandle<()>,
}

/// What an opening had to repair after an interrupted run.
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
    #[error("{path}: starting the writer thread: {message}")]
    Writer { path: PathBuf, message: String },
}

/// One source's records as JSON Lines, ready to be written.
#[derive(Debug)]
pub struct EncodedBatch {
    /// The records file's day: when the records were ingested.
    day: NaiveDate,
    /// The lines in consecutive parts (serialized in parallel), `bytes` in all.
    lines: Vec<Vec<u8>>,
    bytes: u64,
    items: Vec<PendingItem>,
}

impl EncodedBatch {
    /// `records` (at least one), serialized in order: what the sink appends and the journal
    /// names.
    pub fn new(records: &[Record]) -> Result<EncodedBatch, Failure> {
        let day = records
            .first()
            .map(|r| r.ingested.date_naive())
            .ok_or_else(|| Failure::Internal("an empty batch".to_owned()))?;
        let lines = crate::sink::jsonl::json_lines(records)
            .map_err(|e| Failure::Internal(format!("serializing a record: {e}")))?;
        let items = records
            .iter()
            .map(|r| PendingItem {
                id: r.id.clone(),
                revision: r.revision,
                source_hash: r.source_hash.clone(),
            })
            .collect();
        let bytes = lines.iter().map(|part| part.len() as u64).sum();
        Ok(EncodedBatch {
            day,
            lines,
            bytes,
            items,
        })
    }
}

/// Where records go.
#[derive(Debug)]
enum RecordSink {
    Jsonl(JsonlSink),
    /// `--out -`: JSON Lines on stdout; state is still kept, so each item is printed once.
    Stdout,
    /// `[output] kind = "nats"`: one message per record on the JetStream stream.
    #[cfg(feature = "nats")]
    Nats(Box<crate::sink::nats::NatsSink>),
}

/// Where an [`Output`] sends records; its state stays in the output directory either way.
#[derive(Debug, Clone)]
pub enum Destination {
    /// JSON Lines files in `<dir>/records/`.
    Files,
    /// JSON Lines on stdout (`--out -`).
    Stdout,
    /// The JetStream stream of `[nats]`, and the state in its buckets. With `patient` (the
    /// daemon), a cluster that cannot be reached at start is waited for instead of refused.
    /// The state of `sources` is read at once (`nahar fetch`: the sources it checks; a daemon
    /// reads a host's sources when it takes the host).
    #[cfg(feature = "nats")]
    Nats {
        config: crate::config::NatsConfig,
        patient: bool,
        sources: Vec<String>,
    },
}

/// The sink to make on the writer thread, once the state is open.
enum SinkPlan {
    /// The records files, when they were opened for the repair already.
    Files(Option<JsonlSink>),
    Stdout,
    #[cfg(feature = "nats")]
    Nats {
        cluster: crate::cluster::Cluster,
        patient: bool,
    },
}

/// The journal's name for stdout: nothing can be reconciled against it.
const STDOUT_FILE: &str = "-";
/// The journal's name for the NATS stream: a batch interrupted there is published again, and the
/// server drops the copies it already has (same `Nats-Msg-Id`).
#[cfg(feature = "nats")]
const NATS_FILE: &str = "nats";

enum Message {
    Batch(Box<Submitted>),
    /// Store every unsaved state, synced, and stop.
    Close(Sender<Result<(), StateError>>),
}

struct Submitted {
    source: String,
    batch: EncodedBatch,
    source_state: SourceState,
    done: tokio::sync::oneshot::Sender<Result<(), Failure>>,
}

impl Output {
    /// Opens `dir` (`output.dir`): takes the lock (refusing a second nahar on it), cuts torn
    /// lines, resolves batches a previous process left half-written, and starts the writer.
    /// Records go to `destination`.
    pub fn open(dir: &Path, destination: Destination) -> Result<(Output, Recovery), OutputError> {
        let lock = OutputLock::acquire(dir)?;
        // The records directory is read (to reconcile interrupted batches) whatever the
        // destination, when it exists: a batch journalled against a file before the config
        // moved to another destination is still resolved against that file.
        let records = dir.join("records");
        let (files, repairs) = if matches!(destination, Destination::Files) || records.is_dir() {
            let (sink, repairs) = JsonlSink::open(&records)?;
            (Some(sink), repairs)
        } else {
            (None, Vec::new())
        };
        let mut recovery = Recovery {
            torn_lines: repairs.len(),
            ..Recovery::default()
        };
        let (state, plan) = match destination {
            #[cfg(feature = "nats")]
            Destination::Nats {
                config,
                patient,
                sources,
            } => {
                let cluster =
                    crate::cluster::Cluster::connect(&config, patient).map_err(SinkError::from)?;
                let shared = crate::state::SharedState::new(cluster.clone());
                if !sources.is_empty() {
                    shared.load_sources_blocking(sources)?;
                }
                (State::Shared(shared), SinkPlan::Nats { cluster, patient })
            }
            other => {
                let local = LocalState::open(&dir.join("state"))?;
                recover(&local, files.as_ref(), &mut recovery)?;
                let plan = match other {
                    Destination::Stdout => SinkPlan::Stdout,
                    _ => SinkPlan::Files(files),
                };
                (State::Local(local), plan)
            }
        };
        let state = Arc::new(state);
        // The sink is made on the writer thread, which owns it.
        let make_sink = move || -> Result<RecordSink, SinkError> {
            Ok(match plan {
                SinkPlan::Files(files) => RecordSink::Jsonl(match files {
                    Some(files) => files,
                    None => JsonlSink::open(&records)?.0,
                }),
                SinkPlan::Stdout => RecordSink::Stdout,
                #[cfg(feature = "nats")]
                SinkPlan::Nats { cluster, patient } => RecordSink::Nats(Box::new(
                    crate::sink::nats::NatsSink::new(cluster, patient)?,
                )),
            })
        };
        let (inbox, messages) = std::sync::mpsc::channel();
        let (ready, started) = std::sync::mpsc::channel();
        let deliveries = Arc::new(Mutex::new(Deliveries::default()));
        let thread = {
            let state = Arc::clone(&state);
            let deliveries = Arc::clone(&deliveries);
            std::thread::Builder::new()
                .name("nahar-writer".to_owned())
                .spawn(move || match make_sink() {
                    Ok(sink) => {
                        let probe = match &sink {
                            RecordSink::Jsonl(_) => SinkProbe::Files,
                            RecordSink::Stdout => SinkProbe::Stdout,
                            #[cfg(feature = "nats")]
                            RecordSink::Nats(nats) => SinkProbe::Nats(nats.cluster().clone()),
                        };
                        let _ = ready.send(Ok(probe));
                        write_until_closed(&state, &sink, &messages, &deliveries);
                    }
                    Err(err) => {
                        let _ = ready.send(Err(err));
                    }
                })
                .map_err(|e| OutputError::Writer {
                    path: dir.to_owned(),
                    message: e.to_string(),
                })?
        };
        let probe = match started.recv() {
            Ok(Ok(probe)) => probe,
            Ok(Err(err)) => {
                let _ = thread.join();
                return Err(err.into());
            }
            Err(_) => {
                return Err(OutputError::Writer {
                    path: dir.to_owned(),
                    message: "the writer thread stopped while starting".to_owned(),
                });
            }
        };
        Ok((
            Output {
                dir: dir.to_owned(),
                state,
                writer: Mutex::new(Some(Writer { inbox, thread })),
                probe,
                deliveries,
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

    /// The cluster's state, with `nats` output: a daemon joins the group through it.
    #[cfg(feature = "nats")]
    pub fn shared_state(&self) -> Option<&crate::state::SharedState> {
        match &*self.state {
            State::Shared(shared) => Some(shared),
            State::Local(_) => None,
        }
    }

    /// Where records go: `files`, `stdout` or `nats` (for `/health`).
    pub fn sink_kind(&self) -> &'static str {
        match self.probe {
            SinkProbe::Files => "files",
            SinkProbe::Stdout => "stdout",
            #[cfg(feature = "nats")]
            SinkProbe::Nats(_) => "nats",
        }
    }

    /// What keeps records from leaving right now (the NATS connection down), if anything. A
    /// file's trouble shows in the write that meets it, not here.
    pub fn sink_problem(&self) -> Option<String> {
        match &self.probe {
            SinkProbe::Files | SinkProbe::Stdout => None,
            #[cfg(feature = "nats")]
            SinkProbe::Nats(cluster) => cluster.problem(),
        }
    }

    /// What the writer delivered so far.
    pub fn deliveries(&self) -> Deliveries {
        self.deliveries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Writes one source's batch durably, then marks it seen with the source's new state. The
    /// batch is handed to the writer at once, and batches are written in the order they are
    /// handed over; the future returned resolves once this one is on disk. A caller can thus
    /// prepare its next batch while this one is written, and wait for it before handing that
    /// one over.
    pub fn write(
        &self,
        source: &str,
        batch: EncodedBatch,
        source_state: SourceState,
    ) -> impl std::future::Future<Output = Result<(), Failure>> + Send + 'static {
        let (done, written) = tokio::sync::oneshot::channel();
        let message = Message::Batch(Box::new(Submitted {
            source: source.to_owned(),
            batch,
            source_state,
            done,
        }));
        let sent = match &*self.lock_writer() {
            Some(writer) => writer.inbox.send(message).is_ok(),
            None => false,
        };
        async move {
            if !sent {
                return Err(Failure::Internal(
                    "the output directory is closed".to_owned(),
                ));
            }
            written.await.unwrap_or_else(|_| {
                Err(Failure::Internal(
                    "the writer thread stopped before writing the batch".to_owned(),
                ))
            })
        }
    }

    /// Stores every source state still in memory, synced, and stops the writer: the end of a
    /// run. Blocks until done; later writes fail. Dropping the output does the same.
    pub fn close(&self) -> Result<(), StateError> {
        let Some(writer) = self.lock_writer().take() else {
            return Ok(());
        };
        let (reply, replied) = std::sync::mpsc::channel();
        let stored = if writer.inbox.send(Message::Close(reply)).is_ok() {
            replied.recv().unwrap_or(Ok(()))
        } else {
            Ok(())
        };
        drop(writer.inbox);
        if writer.thread.join().is_err() {
            tracing::error!("The writer thread panicked.");
        }
        stored
    }

    /// [`Output::close`] off the async runtime (it waits for the disk).
    pub async fn close_async(self: Arc<Self>) {
        match tokio::task::spawn_blocking(move || self.close()).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!("Could not store the sources' state at the end: {err}"),
            Err(err) => tracing::error!("Closing the output directory stopped: {err}"),
        }
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, Option<Writer>> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Err(err) = self.close() {
            tracing::error!("Could not store the sources' state at the end: {err}");
        }
    }
}

/// Resolves the batches a previous process left half-written in the local store: what the
/// records files hold is marked seen, the rest will be fetched again.
fn recover(
    state: &LocalState,
    files: Option<&JsonlSink>,
    recovery: &mut Recovery,
) -> Result<(), OutputError> {
    for (ticket, batch) in state.pending()? {
        let written = match files {
            Some(sink) if batch.file.ends_with(".jsonl") => {
                sink.written_since(&batch.file, batch.offset)?
            }
            // Stdout and the stream cannot be read back: the batch's items are fetched and
            // sent again.
            _ => Default::default(),
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
    Ok(())
}

/// The writer thread: batches as they come, written in groups; unsaved source states stored
/// when nothing else is written.
fn write_until_closed(
    state: &State,
    sink: &RecordSink,
    inbox: &Receiver<Message>,
    deliveries: &Mutex<Deliveries>,
) {
    // Whether a transaction was committed unsynced since the last synced one.
    let mut unsynced = false;
    loop {
        let first = match inbox.recv_timeout(state.save_every()) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => {
                if unsynced || state.has_unsaved() {
                    match state.save_sources() {
                        Ok(()) => unsynced = false,
                        Err(err) => tracing::error!("Could not store the sources' state: {err}"),
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => {
                if let Err(err) = state.save_sources() {
                    tracing::error!("Could not store the sources' state: {err}");
                }
                return;
            }
        };
        let mut group = Vec::new();
        let mut close = None;
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Batch(submitted) => group.push(*submitted),
                Message::Close(reply) => {
                    close = Some(reply);
                    break;
                }
            }
            if group.len() < GROUP_BATCHES {
                // Empty or disconnected: the group is what came; a disconnect shows next turn.
                next = inbox.try_recv().ok();
            }
        }
        if !group.is_empty() {
            write_group(state, sink, group, deliveries);
            // The journal's transaction is synced, and everything committed before it with it;
            // the transaction marking the group seen is not.
            unsynced = true;
        }
        if let Some(reply) = close {
            // The caller may have given up waiting; the state is stored all the same.
            let _ = reply.send(state.save_sources());
            return;
        }
    }
}

/// One group: journal every batch, append each file's batches and fsync it once, mark the
/// written ones seen; answer each batch's writer.
fn write_group(
    state: &State,
    sink: &RecordSink,
    group: Vec<Submitted>,
    deliveries: &Mutex<Deliveries>,
) {
    let mut lengths: HashMap<String, Result<u64, SinkError>> = HashMap::new();
    let mut journal = Vec::with_capacity(group.len());
    let mut waiting = Vec::with_capacity(group.len());
    for submitted in group {
        let file = match sink {
            RecordSink::Jsonl(_) => JsonlSink::file_name(submitted.batch.day),
            RecordSink::Stdout => STDOUT_FILE.to_owned(),
            #[cfg(feature = "nats")]
            RecordSink::Nats(_) => NATS_FILE.to_owned(),
        };
        let length = lengths.entry(file.clone()).or_insert_with(|| match sink {
            RecordSink::Jsonl(jsonl) => jsonl.len(&file),
            _ => Ok(0),
        });
        let offset = match length {
            Ok(length) => {
                let offset = *length;
                *length += submitted.batch.bytes;
                offset
            }
            Err(err) => {
                let _ = submitted.done.send(Err(Failure::Sink(err.clone())));
                continue;
            }
        };
        journal.push(PendingBatch {
            source: submitted.source.clone(),
            file,
            offset,
            items: submitted.batch.items.clone(),
        });
        waiting.push(submitted);
    }
    if waiting.is_empty() {
        return;
    }
    let tickets = match state.begin_batches(&journal) {
        Ok(tickets) => tickets,
        Err(err) => {
            for submitted in waiting {
                let _ = submitted.done.send(Err(Failure::State(err.clone())));
            }
            return;
        }
    };
    let delivering = std::time::Instant::now();
    let appended = match sink {
        RecordSink::Jsonl(jsonl) => {
            append_by_file(&journal, &waiting, |file, parts| jsonl.append(file, parts))
        }
        RecordSink::Stdout => append_by_file(&journal, &waiting, |_, parts| to_stdout(parts)),
        #[cfg(feature = "nats")]
        RecordSink::Nats(nats) => publish(nats, &journal, &waiting),
    };
    let mut durable = Vec::new();
    let mut abandoned: Vec<BatchTicket> = Vec::new();
    for ((ticket, batch), submitted) in tickets.iter().zip(&journal).zip(&waiting) {
        match appended.get(&batch.file) {
            Some(Err(_)) => abandoned.push(ticket.clone()),
            _ => durable.push(Durable {
                ticket,
                batch,
                source_state: &submitted.source_state,
            }),
        }
    }
    {
        let records = durable.iter().map(|d| d.batch.items.len() as u64).sum();
        deliveries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .observe(delivering.elapsed(), records, abandoned.is_empty());
    }
    let committed = state.commit_batches(&durable, &abandoned);
    for (batch, submitted) in journal.iter().zip(waiting) {
        let outcome = match (appended.get(&batch.file), &committed) {
            (Some(Err(err)), _) => Err(Failure::Sink(err.clone())),
            (_, Err(err)) => Err(Failure::State(err.clone())),
            _ => Ok(()),
        };
        let _ = submitted.done.send(outcome);
    }
}

/// Appends the batches of each file in journal order, one fsync per file; the outcome per file.
fn append_by_file(
    journal: &[PendingBatch],
    waiting: &[Submitted],
    append: impl Fn(&str, &[&[u8]]) -> Result<(), SinkError>,
) -> HashMap<String, Result<(), SinkError>> {
    let mut by_file: Vec<(&str, Vec<&[u8]>)> = Vec::new();
    for (batch, submitted) in journal.iter().zip(waiting) {
        let lines = submitted.batch.lines.iter().map(Vec::as_slice);
        match by_file.iter_mut().find(|(file, _)| *file == batch.file) {
            Some((_, parts)) => parts.extend(lines),
            None => by_file.push((&batch.file, lines.collect())),
        }
    }
    by_file
        .into_iter()
        .map(|(file, parts)| (file.to_owned(), append(file, &parts)))
        .collect()
}

/// Publishes the group's records, batch after batch in journal order, each message with its
/// item's id and revision; one outcome for the whole group (under [`NATS_FILE`]), as one fsync
/// is for a file.
#[cfg(feature = "nats")]
fn publish(
    nats: &crate::sink::nats::NatsSink,
    journal: &[PendingBatch],
    waiting: &[Submitted],
) -> HashMap<String, Result<(), SinkError>> {
    use crate::sink::nats::NatsRecord;
    let mut records = Vec::new();
    let mut outcome = Ok(());
    for (batch, submitted) in journal.iter().zip(waiting) {
        let lines = submitted
            .batch
            .lines
            .iter()
            .flat_map(|part| part.split(|&b| b == b'\n'))
            .filter(|line| !line.is_empty());
        let before = records.len();
        for (item, json) in batch.items.iter().zip(lines) {
            records.push(NatsRecord {
                subject: nats.subject(&batch.source),
                message_id: format!("{}.{}", item.id, item.revision),
                json: bytes::Bytes::copy_from_slice(json),
            });
        }
        if records.len() - before != batch.items.len() {
            outcome = Err(SinkError::Io {
                path: PathBuf::from(NATS_FILE),
                message: format!(
                    "{}: {} records serialized for {} items",
                    batch.source,
                    records.len() - before,
                    batch.items.len()
                ),
            });
        }
    }
    if outcome.is_ok() {
        outcome = nats.publish(records);
    }
    HashMap::from([(NATS_FILE.to_owned(), outcome)])
}

fn to_stdout(parts: &[&[u8]]) -> Result<(), SinkError> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    parts
        .iter()
        .try_for_each(|part| out.write_all(part))
        .and_then(|()| out.flush())
        .map_err(|e| SinkError::io(Path::new("<stdout>"), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Change, ItemKey};

    fn batch(source: &str, items: usize) -> Vec<Record> {
        (0..items)
            .map(|n| Record {
                source: source.to_owned(),
                ..Record::bare(&format!("{source}-{n}"), "h")
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn batches_written_at_once_are_each_whole_once_and_seen() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (output, recovery) =
            Output::open(dir.path(), Destination::Files).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(recovery, Recovery::default());
        let output = Arc::new(output);
        let mut writes = tokio::task::JoinSet::new();
        for source in 0..40 {
            let output = Arc::clone(&output);
            writes.spawn(async move {
                let name = format!("s{source}");
                let records = batch(&name, 1 + source % 7);
                let encoded = EncodedBatch::new(&records)?;
                let state = SourceState {
                    etag: Some(name.clone()),
                    ..SourceState::default()
                };
                output.write(&name, encoded, state).await
            });
        }
        while let Some(written) = writes.join_next().await {
            assert!(matches!(written, Ok(Ok(()))), "{written:?}");
        }
        output.close().unwrap_or_else(|e| panic!("{e}"));
        // Grouped: fewer deliveries than batches, every record counted once.
        let delivered = output.deliveries();
        let expected: usize = (0..40).map(|s| 1 + s % 7).sum();
        assert_eq!(delivered.records, expected as u64);
        assert_eq!(delivered.failed, 0);
        assert!((1..=40).contains(&delivered.ok), "{delivered:?}");
        assert_eq!(delivered.buckets.iter().sum::<u64>(), delivered.ok);
        assert!(matches!(
            output
                .write(
                    "late",
                    EncodedBatch::new(&batch("late", 1)).unwrap_or_else(|e| panic!("{e}")),
                    SourceState::default()
                )
                .await,
            Err(Failure::Internal(_))
        ));
        drop(output);

        // Every batch's lines are whole and together, in the order of the batch.
        let file = dir.path().join("records").join(JsonlSink::file_name(
            chrono::DateTime::<chrono::Utc>::default().date_naive(),
        ));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<String> = text
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}"))
                    ["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(ids.len(), expected);
        for source in 0..40 {
            let name = format!("s{source}");
            let at = ids
                .iter()
                .position(|id| *id == format!("{name}-0"))
                .unwrap_or_else(|| panic!("{name} missing"));
            for n in 0..1 + source % 7 {
                assert_eq!(ids[at + n], format!("{name}-{n}"));
            }
        }

        // Reopened: nothing pending, every item seen, every source's state stored.
        let (output, recovery) =
            Output::open(dir.path(), Destination::Files).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(recovery, Recovery::default());
        for source in 0..40 {
            let name = format!("s{source}");
            let state = output.state();
            let stored = state.source(&name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(stored.etag, Some(name.clone()));
            let id = format!("{name}-0");
            let key = ItemKey {
                id: &id,
                source_hash: "h",
                legacy: None,
            };
            let classified = state
                .classify(&name, std::iter::once(key))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(classified[0].change, Change::Unchanged);
        }
    }
}
