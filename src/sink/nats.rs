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
use crate::config::NatsConfig;

/// How long connecting, creating the stream and each acknowledgement may take.
const NATS_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to the JetStream server that records are published to.
pub struct NatsSink {
    runtime: tokio::runtime::Runtime,
    client: async_nats::Client,
    jetstream: jetstream::Context,
    config: NatsConfig,
    /// The configured servers, as errors name them.
    servers: String,
    /// Whether the stream was found or made and takes the records' subjects.
    stream_ready: std::cell::Cell<bool>,
}

impl std::fmt::Debug for NatsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSink")
            .field("servers", &self.servers)
            .field("stream", &self.config.stream())
            .finish_non_exhaustive()
    }
}

/// One record to publish: its source, `<id>.<revision>` and its JSON.
#[derive(Debug)]
pub struct NatsRecord<'a> {
    pub source: &'a str,
    pub message_id: String,
    pub json: &'a [u8],
}

/// How the connection is doing, for `/health`: a clone of the client, which follows the
/// connection the sink's runtime drives.
#[derive(Debug, Clone)]
pub struct NatsConnection {
    client: async_nats::Client,
    servers: String,
}

impl NatsConnection {
    /// `None` while connected; else what is wrong, naming the servers.
    pub fn problem(&self) -> Option<String> {
        match self.client.connection_state() {
            async_nats::connection::State::Connected => None,
            state => Some(format!("NATS ({}): {state}", self.servers)),
        }
    }
}

impl NatsSink {
    /// Connects to the first reachable server of `config` and makes sure the stream exists
    /// (file storage, `replicas`, every subject `<prefix>.records.>`). With `patient` (the
    /// daemon), an unreachable cluster is not an error: the client keeps trying in the
    /// background, and the stream is looked for before the first publish.
    pub fn open(config: &NatsConfig, patient: bool) -> Result<NatsSink, SinkError> {
        let servers = config
            .servers
            .iter()
            .map(url::Url::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let fail = |message: String| SinkError::Nats {
            servers: servers.clone(),
            message,
        };
        // A worker thread of its own, not a runtime driven only while the writer publishes: a
        // daemon pauses its checks until the client is connected, so the client must get
        // there with nothing published.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("nahar-nats")
            .enable_all()
            .build()
            .map_err(|e| fail(format!("starting the NATS client: {e}")))?;
        let addresses = config
            .servers
            .iter()
            .map(|url| async_nats::ServerAddr::from_url(url.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail(e.to_string()))?;
        let client = runtime.block_on(async {
            let mut options = async_nats::ConnectOptions::new()
                .name("nahar")
                .connection_timeout(NATS_TIMEOUT)
                .request_timeout(Some(NATS_TIMEOUT));
            if patient {
                options = options.retry_on_initial_connect();
            }
            if let Some(credentials) = &config.credentials {
                options = options.credentials_file(credentials).await.map_err(|e| {
                    fail(format!(
                        "reading the credentials file {}: {e}",
                        credentials.display()
                    ))
                })?;
            }
            options
                .connect(addresses)
                .await
                .map_err(|e| fail(format!("cannot connect: {e}")))
        })?;
        // The context starts a task of its own: inside the sink's runtime.
        let jetstream = {
            let _inside = runtime.enter();
            jetstream::new(client.clone())
        };
        let sink = NatsSink {
            runtime,
            jetstream,
            client,
            config: config.clone(),
            servers,
            stream_ready: std::cell::Cell::new(false),
        };
        if !patient {
            sink.ensure_stream()?;
        }
        Ok(sink)
    }

    /// A connection for reading the stream (no stream is created).
    fn open_stream(config: &NatsConfig) -> Result<NatsSink, SinkError> {
        let sink = NatsSink::open(config, true)?;
        // Patient so as not to create the stream; a reader still needs a server now.
        let connected = sink.runtime.block_on(async {
            let deadline = tokio::time::Instant::now() + NATS_TIMEOUT;
            while sink.client.connection_state() != async_nats::connection::State::Connected {
                if tokio::time::Instant::now() > deadline {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            true
        });
        if !connected {
            return Err(sink.error("cannot connect".to_owned()));
        }
        Ok(sink)
    }

    /// What `/health` asks about the connection.
    pub fn connection(&self) -> NatsConnection {
        NatsConnection {
            client: self.client.clone(),
            servers: self.servers.clone(),
        }
    }

    fn error(&self, message: String) -> SinkError {
        SinkError::Nats {
            servers: self.servers.clone(),
            message,
        }
    }

    /// Finds or creates the stream, once: a stream made by hand must still take the records'
    /// subjects, or every publish would wait for an acknowledgement that never comes.
    fn ensure_stream(&self) -> Result<(), SinkError> {
        if self.stream_ready.get() {
            return Ok(());
        }
        let name = self.config.stream();
        let subjects = self.config.subject(">");
        let stream = self
            .runtime
            .block_on(
                self.jetstream
                    .get_or_create_stream(jetstream::stream::Config {
                        name: name.clone(),
                        subjects: vec![subjects.clone()],
                        storage: jetstream::stream::StorageType::File,
                        num_replicas: self.config.replicas,
                        ..Default::default()
                    }),
            )
            .map_err(|e| self.error(format!("the stream {name}: {e}")))?;
        let taken = &stream.cached_info().config.subjects;
        if !taken.iter().any(|s| *s == subjects || s == ">") {
            return Err(self.error(format!(
                "the stream {name} exists but does not take {subjects} (its subjects: {})",
                taken.join(", ")
            )));
        }
        self.stream_ready.set(true);
        Ok(())
    }

    /// Publishes the records in order and waits until the server acknowledged each one (a
    /// duplicate the server dropped counts as acknowledged: the record is in the stream).
    pub fn publish(&self, records: &[NatsRecord<'_>]) -> Result<(), SinkError> {
        self.ensure_stream()?;
        let fail = |message: String| self.error(message);
        self.runtime.block_on(async {
            let mut acks = Vec::with_capacity(records.len());
            for record in records {
                let subject = self.config.subject(record.source);
                let message = PublishMessage::build()
                    .payload(Bytes::copy_from_slice(record.json))
                    .message_id(&record.message_id);
                let ack = tokio::time::timeout(
                    NATS_TIMEOUT,
                    self.jetstream.send_publish(subject, message),
                )
                .await
                .map_err(|_| fail("publishing timed out".to_owned()))?
                .map_err(|e| fail(format!("publishing: {e}")))?;
                acks.push(ack);
            }
            for ack in acks {
                tokio::time::timeout(NATS_TIMEOUT, ack)
                    .await
                    .map_err(|_| fail("no acknowledgement from the server in time".to_owned()))?
                    .map_err(|e| fail(format!("not acknowledged: {e}")))?;
            }
            Ok(())
        })
    }
}

/// How long an export waits for the next message before it counts the stream as read (a
/// stream made by hand may end with messages of other subjects).
const EXPORT_IDLE: Duration = Duration::from_secs(5);

/// Reads the records of `config`'s stream in the order it received them — from `since` on,
/// by the time it received them — handing each record's JSON to `each`; returns how many.
/// Reads what the stream held when the export began, and stops there.
pub fn export(
    config: &NatsConfig,
    since: Option<chrono::DateTime<chrono::Utc>>,
    mut each: impl FnMut(&[u8]) -> Result<(), SinkError>,
) -> Result<u64, SinkError> {
    use futures_util::StreamExt;
    let sink = NatsSink::open_stream(config)?;
    let fail = |message: String| sink.error(message);
    sink.runtime.block_on(async {
        let name = config.stream();
        let mut stream = sink
            .jetstream
            .get_stream(&name)
            .await
            .map_err(|e| fail(format!("the stream {name}: {e}")))?;
        let state = stream
            .info()
            .await
            .map_err(|e| fail(format!("the stream {name}: {e}")))?
            .state
            .clone();
        let since = since
            .map(|t| {
                time::OffsetDateTime::from_unix_timestamp(t.timestamp())
                    .map_err(|e| fail(format!("--since: {e}")))
            })
            .transpose()?;
        if state.messages == 0 || since.is_some_and(|since| since > state.last_timestamp) {
            return Ok(0);
        }
        let deliver_policy = match since {
            Some(start_time) => jetstream::consumer::DeliverPolicy::ByStartTime { start_time },
            None => jetstream::consumer::DeliverPolicy::All,
        };
        let consumer = stream
            .create_consumer(jetstream::consumer::pull::OrderedConfig {
                filter_subject: config.subject(">"),
                deliver_policy,
                ..Default::default()
            })
            .await
            .map_err(|e| fail(format!("reading the stream {name}: {e}")))?;
        let mut messages = consumer
            .messages()
            .await
            .map_err(|e| fail(format!("reading the stream {name}: {e}")))?;
        let mut count = 0;
        loop {
            let next = match tokio::time::timeout(EXPORT_IDLE, messages.next()).await {
                Ok(Some(next)) => next,
                Ok(None) | Err(_) => break,
            };
            let message = next.map_err(|e| fail(format!("reading the stream {name}: {e}")))?;
            each(&message.payload)?;
            count += 1;
            let sequence = message
                .info()
                .map_err(|e| fail(format!("reading the stream {name}: {e}")))?
                .stream_sequence;
            if sequence >= state.last_sequence {
                break;
            }
        }
        Ok(count)
    })
}
