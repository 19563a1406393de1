//! Records published to a NATS JetStream stream (`[output] kind = "nats"`).
//!
//! In: the serialized records of a group of batches (one JSON Lines line per record) with each
//! record's id and revision. Out: one message per record on `<prefix>.records.<source>` in the
//! stream `<PREFIX>_RECORDS` (created when missing), its body the record's JSON line without the
//! newline and its `Nats-Msg-Id` header `<id>.<revision>`, acknowledged by the server; or an
//! error naming the servers and the cause.
//! Never: reports a batch published before the server acknowledged every one of its messages,
//! or runs on the async runtime of the checks — it owns a small runtime of its own, whose one
//! worker thread keeps the connection alive (and reconnects) while no record is published; the
//! writer thread waits on it.
//!
//! [`export`] reads the stream back, for `nahar records export`.
//!
//! A record published twice (a crash between the server's acknowledgement and the state's
//! commit, or a state lost) carries the same `Nats-Msg-Id`: the server drops the copy inside
//! the stream's duplicate window, so the stream holds each revision of an item once.

use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage};
use bytes::Bytes;

use super::SinkError;
use crate::cluster::{Cluster, ClusterError, NATS_TIMEOUT};

impl From<ClusterError> for SinkError {
    fn from(err: ClusterError) -> SinkError {
        SinkError::Nats {
            servers: err.servers,
            message: err.message,
        }
    }
}

/// The stream records are published to, through the group's [`Cluster`] connection.
#[derive(Debug)]
pub struct NatsSink {
    cluster: Cluster,
    /// Whether the stream was found or made and takes the records' subjects.
    stream_ready: std::cell::Cell<bool>,
}

/// One record to publish: its source, `<id>.<revision>` and its JSON.
#[derive(Debug)]
pub struct NatsRecord {
    pub subject: String,
    pub message_id: String,
    pub json: Bytes,
}

impl NatsSink {
    /// Publishes through `cluster`. With `patient` (the daemon), the stream is looked for
    /// before the first publish; else at once (`nahar fetch` refuses to start without it).
    pub fn new(cluster: Cluster, patient: bool) -> Result<NatsSink, SinkError> {
        let sink = NatsSink {
            cluster,
            stream_ready: std::cell::Cell::new(false),
        };
        if !patient {
            sink.ensure_stream()?;
        }
        Ok(sink)
    }

    fn error(&self, message: String) -> SinkError {
        self.cluster.error(message).into()
    }

    /// Finds or creates the stream, once: a stream made by hand must still take the records'
    /// subjects, or every publish would wait for an acknowledgement that never comes.
    fn ensure_stream(&self) -> Result<(), SinkError> {
        if self.stream_ready.get() {
            return Ok(());
        }
        let config = self.cluster.config();
        let name = config.stream();
        let subjects = config.subject(">");
        let wanted = jetstream::stream::Config {
            name: name.clone(),
            subjects: vec![subjects.clone()],
            storage: jetstream::stream::StorageType::File,
            num_replicas: config.replicas,
            ..Default::default()
        };
        let jetstream = self.cluster.jetstream().clone();
        let taken = self
            .cluster
            .block_on(async move {
                jetstream
                    .get_or_create_stream(wanted)
                    .await
                    .map(|stream| stream.cached_info().config.subjects.clone())
            })?
            .map_err(|e| self.error(format!("the stream {name}: {e}")))?;
        if !taken.iter().any(|s| *s == subjects || s == ">") {
            return Err(self.error(format!(
                "the stream {name} exists but does not take {subjects} (its subjects: {})",
                taken.join(", ")
            )));
        }
        self.stream_ready.set(true);
        Ok(())
    }

    /// The connection, for what `/health` asks about it.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The subject of a source's records.
    pub fn subject(&self, source: &str) -> String {
        self.cluster.config().subject(source)
    }

    /// Publishes the records in order and waits until the server acknowledged each one (a
    /// duplicate the server dropped counts as acknowledged: the record is in the stream).
    pub fn publish(&self, records: Vec<NatsRecord>) -> Result<(), SinkError> {
        self.ensure_stream()?;
        let jetstream = self.cluster.jetstream().clone();
        self.cluster
            .block_on(async move {
                let mut acks = Vec::with_capacity(records.len());
                for record in records {
                    let message = PublishMessage::build()
                        .payload(record.json)
                        .message_id(&record.message_id);
                    let ack = tokio::time::timeout(
                        NATS_TIMEOUT,
                        jetstream.send_publish(record.subject, message),
                    )
                    .await
                    .map_err(|_| "publishing timed out".to_owned())?
                    .map_err(|e| format!("publishing: {e}"))?;
                    acks.push(ack);
                }
                for ack in acks {
                    tokio::time::timeout(NATS_TIMEOUT, ack)
                        .await
                        .map_err(|_| "no acknowledgement from the server in time".to_owned())?
                        .map_err(|e| format!("not acknowledged: {e}"))?;
                }
                Ok::<(), String>(())
            })?
            .map_err(|message| self.error(message))
    }
}

/// How long an export waits for the next message before it counts the stream as read (a
/// stream made by hand may end with messages of other subjects).
const EXPORT_IDLE: Duration = Duration::from_secs(5);

/// Reads the records of `config`'s stream in the order it received them — from `since` on,
/// by the time it received them — handing each record's JSON to `each`; returns how many.
/// Reads what the stream held when the export began, and stops there.
pub fn export(
    config: &crate::config::NatsConfig,
    since: Option<chrono::DateTime<chrono::Utc>>,
    mut each: impl FnMut(&[u8]) -> Result<(), SinkError>,
) -> Result<u64, SinkError> {
    use futures_util::StreamExt;
    // Patient so as not to create the stream; a reader still needs a server now.
    let cluster = Cluster::connect(config, true)?;
    cluster.wait_connected()?;
    let since = since
        .map(|t| {
            time::OffsetDateTime::from_unix_timestamp(t.timestamp())
                .map_err(|e| cluster.error(format!("--since: {e}")))
        })
        .transpose()?;
    // The messages come through a bounded channel to this thread, where `each` runs.
    let (sender, mut received) = tokio::sync::mpsc::channel::<Bytes>(256);
    let reader = {
        let jetstream = cluster.jetstream().clone();
        let name = config.stream();
        let filter_subject = config.subject(">");
        async move {
            let fail = |e: &dyn std::fmt::Display| format!("reading the stream {name}: {e}");
            let mut stream = jetstream.get_stream(&name).await.map_err(|e| fail(&e))?;
            let state = stream.info().await.map_err(|e| fail(&e))?.state.clone();
            if state.messages == 0 || since.is_some_and(|since| since > state.last_timestamp) {
                return Ok(());
            }
            let deliver_policy = match since {
                Some(start_time) => jetstream::consumer::DeliverPolicy::ByStartTime { start_time },
                None => jetstream::consumer::DeliverPolicy::All,
            };
            let consumer = stream
                .create_consumer(jetstream::consumer::pull::OrderedConfig {
                    filter_subject,
                    deliver_policy,
                    ..Default::default()
                })
                .await
                .map_err(|e| fail(&e))?;
            let mut messages = consumer.messages().await.map_err(|e| fail(&e))?;
            loop {
                let next = match tokio::time::timeout(EXPORT_IDLE, messages.next()).await {
                    Ok(Some(next)) => next,
                    Ok(None) | Err(_) => break,
                };
                let message = next.map_err(|e| fail(&e))?;
                let sequence = message.info().map_err(|e| fail(&e))?.stream_sequence;
                let payload = message.payload.clone();
                // The reader (the caller's thread) may have stopped on an error of its own.
                let sent = sender.send(payload).await;
                if sent.is_err() || sequence >= state.last_sequence {
                    break;
                }
            }
            Ok::<(), String>(())
        }
    };
    let task = {
        let cluster = cluster.clone();
        std::thread::spawn(move || cluster.block_on(reader))
    };
    let mut count = 0;
    let mut failed = None;
    while let Some(payload) = received.blocking_recv() {
        if let Err(err) = each(&payload) {
            failed = Some(err);
            break;
        }
        count += 1;
    }
    drop(received);
    let read = task
        .join()
        .map_err(|_| cluster.error("the export stopped".to_owned()))?;
    if let Some(err) = failed {
        return Err(err);
    }
    read?.map_err(|message| cluster.error(message))?;
    Ok(count)
}
