//! The NATS JetStream cluster that several nahar instances share (`[output] kind = "nats"`).
//!
//! In: `[nats]` (servers, credentials, prefix, replicas, lease). Out: a [`Cluster`] — one
//! connection with a runtime of its own, whose worker thread keeps the connection alive (and
//! reconnects) whatever the rest of nahar does — through which the state ([`crate::state`]),
//! the sink ([`crate::sink`]) and the daemon's leases ([`leases`]) reach the cluster; and the
//! key-value buckets of the group, found or created.
//! Never: blocks a caller's runtime (a caller on a plain thread waits with
//! [`Cluster::block_on`]; an async caller awaits the client's futures, which its runtime's
//! timers drive while the cluster's runtime drives the connection), or changes a bucket or
//! stream that exists: limits set on them by hand stay.

mod keys;
pub mod leases;

pub use keys::{host_key, source_host};

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, kv};

use crate::config::NatsConfig;

/// How long connecting, a request and each acknowledgement may take.
pub const NATS_TIMEOUT: Duration = Duration::from_secs(10);

/// The key-value bucket of each source's state (validators, health, schedule).
pub const SOURCES_BUCKET: &str = "SOURCES";
/// The key-value bucket of the items written: `<source>.<id>` → revision and source hash.
pub const SEEN_BUCKET: &str = "SEEN";
/// Which instance holds which host: `<host>` → instance id, expiring after `lease`.
pub const LEASES_BUCKET: &str = "LEASES";
/// The instances of the group: `<instance id>` → what it holds, expiring after `lease`.
pub const INSTANCES_BUCKET: &str = "INSTANCES";

/// Why the cluster could not be reached or answered wrongly, naming its servers.
#[derive(Debug, Clone, thiserror::Error)]
#[error("NATS ({servers}): {message}")]
pub struct ClusterError {
    pub servers: String,
    pub message: String,
}

/// A connection to the cluster; clones share it.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    /// Always `Some` until dropped: the client's tasks run on it.
    runtime: Option<tokio::runtime::Runtime>,
    client: async_nats::Client,
    jetstream: jetstream::Context,
    config: NatsConfig,
    /// The configured servers, as errors name them.
    servers: String,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("servers", &self.inner.servers)
            .field("prefix", &self.inner.config.prefix)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Connects to the first reachable server of `config`. With `patient` (the daemon), an
    /// unreachable cluster is not an error: the client keeps trying in the background and
    /// [`Cluster::problem`] says so meanwhile. Callable from anywhere, a runtime's thread
    /// included: the connection is made on the cluster's own runtime.
    pub fn connect(config: &NatsConfig, patient: bool) -> Result<Cluster, ClusterError> {
        let servers = config
            .servers
            .iter()
            .map(url::Url::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let fail = |message: String| ClusterError {
            servers: servers.clone(),
            message,
        };
        // A worker thread of its own, not a runtime driven only while someone waits on it: a
        // daemon pauses its checks until the client is connected, so the client must get
        // there with nothing else going on.
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
        let credentials = config.credentials.clone();
        let connecting = runtime.spawn(async move {
            let mut options = async_nats::ConnectOptions::new()
                .name("nahar")
                .connection_timeout(NATS_TIMEOUT)
                .request_timeout(Some(NATS_TIMEOUT));
            if patient {
                options = options.retry_on_initial_connect();
            }
            if let Some(credentials) = &credentials {
                options = options.credentials_file(credentials).await.map_err(|e| {
                    format!(
                        "reading the credentials file {}: {e}",
                        credentials.display()
                    )
                })?;
            }
            let client = options
                .connect(addresses)
                .await
                .map_err(|e| format!("cannot connect: {e}"))?;
            let jetstream = jetstream::new(client.clone());
            Ok::<_, String>((client, jetstream))
        });
        let connected = wait_for(&runtime, connecting);
        let (client, jetstream) = match connected {
            Ok(Ok(connected)) => connected,
            Ok(Err(message)) | Err(message) => {
                // Dropping a runtime blocks, which a caller on another runtime may not do.
                runtime.shutdown_background();
                return Err(fail(message));
            }
        };
        Ok(Cluster {
            inner: Arc::new(Inner {
                runtime: Some(runtime),
                client,
                jetstream,
                config: config.clone(),
                servers,
            }),
        })
    }

    /// Waits until the client is connected, at most [`NATS_TIMEOUT`] (a reader that needs a
    /// server now: an export, `nahar cluster status`).
    pub fn wait_connected(&self) -> Result<(), ClusterError> {
        let client = self.inner.client.clone();
        let connected = self.block_on(async move {
            let deadline = tokio::time::Instant::now() + NATS_TIMEOUT;
            while client.connection_state() != async_nats::connection::State::Connected {
                if tokio::time::Instant::now() > deadline {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            true
        })?;
        if connected {
            Ok(())
        } else {
            Err(self.error("cannot connect".to_owned()))
        }
    }

    pub fn config(&self) -> &NatsConfig {
        &self.inner.config
    }

    pub fn jetstream(&self) -> &jetstream::Context {
        &self.inner.jetstream
    }

    /// An error about the cluster, naming its servers.
    pub fn error(&self, message: String) -> ClusterError {
        ClusterError {
            servers: self.inner.servers.clone(),
            message,
        }
    }

    /// `None` while connected; else what is wrong, naming the servers (for `/health`, and the
    /// daemon's pause).
    pub fn problem(&self) -> Option<String> {
        match self.inner.client.connection_state() {
            async_nats::connection::State::Connected => None,
            state => Some(format!("NATS ({}): {state}", self.inner.servers)),
        }
    }

    /// Runs `future` on the cluster's runtime and waits for it: for a plain thread (the
    /// writer, the CPU pool, `main`), never a runtime's.
    pub fn block_on<T: Send + 'static>(
        &self,
        future: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Result<T, ClusterError> {
        let task = self.inner.runtime().spawn(future);
        wait_for(self.inner.runtime(), task).map_err(|message| self.error(message))
    }

    /// The group's bucket `what` (`SOURCES`, `SEEN`, …), created when missing with file
    /// storage, `replicas` and one value per key; `max_age` makes its keys expire (leases).
    pub async fn bucket(
        &self,
        what: &str,
        max_age: Option<Duration>,
    ) -> Result<kv::Store, ClusterError> {
        let name = self.inner.config.bucket(what);
        let jetstream = self.inner.jetstream.clone();
        if let Ok(store) = jetstream.get_key_value(&name).await {
            return Ok(store);
        }
        let created = jetstream
            .create_key_value(kv::Config {
                bucket: name.clone(),
                history: 1,
                max_age: max_age.unwrap_or_default(),
                storage: jetstream::stream::StorageType::File,
                num_replicas: self.inner.config.replicas,
                ..Default::default()
            })
            .await;
        match created {
            Ok(store) => Ok(store),
            // Another instance may have made it in between.
            Err(err) => jetstream
                .get_key_value(&name)
                .await
                .map_err(|_| self.error(format!("the bucket {name}: {err}"))),
        }
    }

    /// The bucket `what` when it exists (readers never create one).
    pub async fn existing_bucket(&self, what: &str) -> Result<Option<kv::Store>, ClusterError> {
        let name = self.inner.config.bucket(what);
        let jetstream = &self.inner.jetstream;
        match jetstream.get_stream(format!("KV_{name}")).await {
            Err(err)
                if matches!(err.kind(), jetstream::context::GetStreamErrorKind::JetStream(e)
                    if e.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND) =>
            {
                Ok(None)
            }
            Err(err) => Err(self.error(format!("the bucket {name}: {err}"))),
            Ok(_) => jetstream
                .get_key_value(&name)
                .await
                .map(Some)
                .map_err(|e| self.error(format!("the bucket {name}: {e}"))),
        }
    }
}

impl Inner {
    fn runtime(&self) -> &tokio::runtime::Runtime {
        // Taken only by `drop`.
        self.runtime
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime is taken only when dropped"))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last clone may go on another runtime's thread, where a blocking drop panics.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Waits on a plain thread for a task of `runtime`.
fn wait_for<T: Send + 'static>(
    runtime: &tokio::runtime::Runtime,
    task: tokio::task::JoinHandle<T>,
) -> Result<T, String> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        let _ = sender.send(task.await);
    });
    match receiver.recv() {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(format!("a NATS task stopped: {e}")),
        Err(_) => Err("the NATS runtime stopped".to_owned()),
    }
}
