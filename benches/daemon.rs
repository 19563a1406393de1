//! The daemon (`nahar run`) as a real child process against a local HTTP server: ingestion time,
//! CPU and peak memory for N feeds, idle CPU, CPU while polling unchanged feeds (304s), the
//! latency from a new item appearing in a feed to its record on disk, and a clean SIGTERM stop.
//!
//! Run: `cargo build --release && cargo bench --bench daemon -- [SOURCES]` (default 100 sources,
//! 10 items each). Linux only (reads `/proc/<pid>/stat` and `/proc/<pid>/status`).
//!
//! `cargo bench` itself rebuilds `target/release/nahar` with the `bench` profile (the release
//! optimizations plus debug line tables); the table says which kind of binary was measured. To
//! measure exactly what `cargo build --release` makes, copy it aside and name it:
//! `cargo build --release && cp target/release/nahar /tmp/nahar-release &&
//! NAHAR_BIN=/tmp/nahar-release cargo bench --bench daemon -- 100`.
//!
//! Environment:
//! - `NAHAR_BIN`: the binary to measure (default `target/release/nahar` in this crate).
//! - `IDLE_SECS`: length of the idle window (phase B), default 30.
//! - `STEADY_SECS`: length of the polling window (phase C), default `IDLE_SECS`.
//! - `INGEST_TIMEOUT_SECS`: how long phase A may take before the bench gives up, default 600.
//! - `RESTART_WAIT_SECS`: how long phase C waits for the first poll after the restart, default 30.
//! - `KEEP_TMP=1`: keep the temporary directory (config, output, daemon logs) and print its path.
//! - `PHASES`: which of C, D and M run after A and B (default `CD`; `INGEST_ONLY=1` is `PHASES=`).
//! - `POLL_INTERVAL_SECS`: phase C's interval, default 5 (50,000 sources: 60, which is ten
//!   times the polling rate of 50,000 sources every 10 minutes).
//! - `MONTH_RECORDS`: phase M's record count (default 0: no phase M).
//!
//! Phases:
//! - A (ingestion): `nahar run` with `interval = "10m"` on an empty output directory; the time
//!   until all N×10 records are complete lines in `out/records/*.jsonl`, the daemon's CPU seconds
//!   (utime + stime) at that instant and its peak RSS (VmHWM).
//! - B (idle): nothing is due for 10 minutes; CPU over `IDLE_SECS`.
//! - C (polling): restart with `interval = POLL_INTERVAL_SECS` on the same output: every poll is
//!   a 304; CPU over `STEADY_SECS`, `nahar_not_modified_total` from `/metrics`, the CPU per poll,
//!   and what it comes to for N sources every 10 minutes.
//! - D (latency): restart with `interval = "2s"`; a new item is added to 5 feeds, one after the
//!   other, and the time until each record is on disk is measured.
//! - M (a month): restart with `interval = "1s"` while every request to a feed gets 10 new
//!   items, until `MONTH_RECORDS` records are written (3,000,000 is a month at 100,000 a day);
//!   resident memory sampled every second: after warm-up (10 % of the records), at the end, its
//!   growth per 1,000 records in between, and the peak.
//! - The feed server's own CPU (its one thread) is reported with A and C: it is not the
//!   bottleneck when it stays well under one core.
//! - Every stop is SIGTERM (`kill -TERM`); its duration and exit status are reported.
//!
//! Prints a table; exits 1 when a correctness check failed (records missing or repeated, a
//! non-zero exit status, a probe that never arrived).

use std::collections::{BTreeMap, HashSet};
use std::error::Error;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

#[path = "support/process.rs"]
mod process;
use process::{clk_tck, cpu_seconds, free_port, stat_cpu_seconds};

type BoxError = Box<dyn Error>;
type Result<T> = std::result::Result<T, BoxError>;

const ITEMS_PER_FEED: usize = 10;
const DESCRIPTION_BYTES: usize = 300;
const PROBES: usize = 5;
/// The feed server's thread (its CPU is measured on its own).
const SERVER_THREAD: &str = "feed-server";

fn main() {
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(err) => {
            eprintln!("daemon bench: error: {err}");
            std::process::exit(1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Settings

struct Settings {
    sources: usize,
    idle: Duration,
    steady: Duration,
    ingest_timeout: Duration,
    restart_wait: Duration,
    keep_tmp: bool,
    /// The phases after A and B: `C` (polling), `D` (latency), `M` (a month of records).
    phases: String,
    /// Phase C's interval.
    poll_interval: Duration,
    /// Phase M: records to push through one daemon.
    month_records: u64,
}

fn env_secs(name: &str, default: u64) -> Result<Duration> {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|e| format!("{name}={value:?}: not a whole number of seconds ({e})").into()),
        Err(_) => Ok(Duration::from_secs(default)),
    }
}

fn settings() -> Result<Settings> {
    // `cargo bench` passes `--bench`; the first argument that is not a flag is the source count.
    let sources = match std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        Some(arg) => arg
            .parse::<usize>()
            .map_err(|e| format!("SOURCES {arg:?}: not a number ({e})"))?,
        None => 100,
    };
    if sources == 0 {
        return Err("SOURCES must be at least 1".into());
    }
    let idle = env_secs("IDLE_SECS", 30)?;
    Ok(Settings {
        sources,
        idle,
        steady: env_secs("STEADY_SECS", idle.as_secs())?,
        ingest_timeout: env_secs("INGEST_TIMEOUT_SECS", 600)?,
        restart_wait: env_secs("RESTART_WAIT_SECS", 30)?,
        keep_tmp: std::env::var_os("KEEP_TMP").is_some_and(|v| v != "0"),
        phases: match std::env::var("PHASES") {
            Ok(phases) => phases.to_ascii_uppercase(),
            Err(_) if std::env::var_os("INGEST_ONLY").is_some_and(|v| v != "0") => String::new(),
            Err(_) => "CD".to_owned(),
        },
        poll_interval: env_secs("POLL_INTERVAL_SECS", 5)?,
        month_records: match std::env::var("MONTH_RECORDS") {
            Ok(n) => n
                .trim()
                .parse()
                .map_err(|e| format!("MONTH_RECORDS={n:?}: not a number ({e})"))?,
            Err(_) => 0,
        },
    })
}

/// The binary under test, or a message saying how to build it.
fn binary() -> Result<(PathBuf, &'static str)> {
    if let Some(bin) = std::env::var_os("NAHAR_BIN") {
        let bin = PathBuf::from(bin);
        if !bin.is_file() {
            return Err(format!("NAHAR_BIN={}: no such file", bin.display()).into());
        }
        return Ok((bin, "NAHAR_BIN"));
    }
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/nahar");
    if !bin.is_file() {
        eprintln!(
            "daemon bench: {} is missing. Build it first:\n\n    cd {} && cargo build --release\n\n\
             or point NAHAR_BIN at a nahar binary.",
            bin.display(),
            env!("CARGO_MANIFEST_DIR")
        );
        std::process::exit(2);
    }
    Ok((bin, "target/release"))
}

/// Whether an ELF binary carries DWARF line tables (a `.debug_line` section name).
fn has_debug_lines(bin: &Path) -> Result<bool> {
    let mut bytes = Vec::new();
    File::open(bin)?.read_to_end(&mut bytes)?;
    let needle = b".debug_line\0";
    Ok(bytes.windows(needle.len()).any(|w| w == needle))
}

/// The newest modification time of a file under `dir` (recursively).
fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest: Option<SystemTime> = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if let Ok(modified) = meta.modified() {
                newest = Some(newest.map_or(modified, |n| n.max(modified)));
            }
        }
    }
    newest
}

// ---------------------------------------------------------------------------------------------
// The feed server

const HEBREW: &[&str] = &[
    "הממשלה אישרה הלילה את תקציב המדינה לשנה הבאה לאחר דיון ארוך",
    "ראש העירייה הודיע על פתיחת קו חדש של הרכבת הקלה בחודש הבא",
    "מזג האוויר: גשם מקומי בצפון ובמרכז הארץ, ירידה קלה בטמפרטורות",
    "בית המשפט העליון דן היום בעתירה נגד החוק החדש",
    "מחירי הדירות עלו בשלושה אחוזים ברבעון האחרון לפי הלשכה המרכזית לסטטיסטיקה",
    "נבחרת ישראל בכדורגל ניצחה אמש בתוצאה שתיים אחת",
    "משרד הבריאות מפרסם הנחיות חדשות לקראת עונת החורף",
    "הכנסת אישרה בקריאה ראשונה את הצעת החוק לרפורמה בתחבורה הציבורית",
];
const ENGLISH: &[&str] = &[
    "Tel Aviv stocks close higher as technology shares rally for a third day",
    "The Knesset passes the first reading of the budget bill after a long night",
    "A startup from Haifa raises forty million dollars to design chips for data centres",
    "Rain is expected in the north on Sunday, with snow possible on Mount Hermon",
    "Jerusalem light rail opens a new line to the Hadassah hospital",
    "The central bank leaves its interest rate unchanged, citing inflation",
    "Researchers at the Weizmann Institute report a new battery design",
    "Interview: the mayor of Beersheba on housing, water and the desert",
];
const MIXED: &[&str] = &[
    "Google הודיעה היום על השקת מרכז פיתוח חדש בחיפה",
    "Elbit Systems חתמה על עסקה בהיקף של מאות מיליוני דולרים",
    "Intel תרחיב את המפעל בקריית גת ותגייס אלפי עובדים",
    "The word שלום appears in the new Microsoft Teams greeting",
    "Netanyahu and Biden spoke by phone: ״השיחה הייתה טובה ועניינית״",
    "Wix ו-Monday.com מדווחות על רבעון חזק מהצפוי",
    "Mobileye unveils a new chip; המניה עלתה בשמונה אחוזים",
    "A new exhibition at the Israel Museum: ״אור ומים״ by a Tel Aviv artist",
];

fn sentence(n: usize) -> &'static str {
    let pools = [HEBREW, ENGLISH, MIXED];
    let pool = pools[n % pools.len()];
    pool[(n / pools.len()) % pool.len()]
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// About `DESCRIPTION_BYTES` of mixed text, cut at a word boundary.
fn description(seed: usize) -> String {
    let mut out = String::new();
    let mut n = seed;
    'fill: loop {
        for word in sentence(n).split_whitespace() {
            if out.len() + word.len() + 1 > DESCRIPTION_BYTES {
                break 'fill;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        n = n.wrapping_mul(7).wrapping_add(5);
    }
    out
}

fn item_xml(port: u16, feed: usize, key: &str, title: &str, pub_date: &str, seed: usize) -> String {
    format!(
        "<item><title>{title}</title><link>http://127.0.0.1:{port}/news/f{feed}/{key}</link>\
         <guid isPermaLink=\"false\">bench-f{feed}-{key}</guid><pubDate>{pub_date}</pubDate>\
         <description>{desc}</description></item>\n",
        title = xml_escape(title),
        desc = xml_escape(&description(seed)),
    )
}

fn initial_item(port: u16, feed: usize, k: usize) -> String {
    let seed = feed * 31 + k * 17;
    let title = format!("{} ({}/{})", sentence(seed), feed, k);
    let pub_date = format!("Fri, 28 Nov 2025 {:02}:{:02}:00 +0000", 8 + k, feed % 60);
    item_xml(port, feed, &k.to_string(), &title, &pub_date, seed + 1)
}

/// The marker in a probe item's title (ASCII, so it survives normalization as is).
fn probe_marker(probe: usize, feed: usize) -> String {
    format!("bench-probe-{probe}-f{feed}")
}

fn probe_item(port: u16, feed: usize, probe: usize) -> String {
    let title = format!("{}: {}", probe_marker(probe, feed), sentence(probe * 5 + 2));
    let pub_date = format!("Sat, 29 Nov 2025 12:{probe:02}:00 +0000");
    item_xml(
        port,
        feed,
        &format!("probe-{probe}"),
        &title,
        &pub_date,
        probe + 1000,
    )
}

#[derive(Debug)]
struct Feed {
    /// Newest first.
    items: Vec<String>,
    version: u64,
    etag: String,
    body: Bytes,
}

#[derive(Debug)]
struct Store {
    port: u16,
    feeds: Mutex<Vec<Feed>>,
    ok: AtomicU64,
    not_modified: AtomicU64,
    /// Phase M: every request to a feed first replaces its items with new ones.
    churn: AtomicBool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Served {
    ok: u64,
    not_modified: u64,
}

impl Served {
    fn since(self, earlier: Served) -> Served {
        Served {
            ok: self.ok - earlier.ok,
            not_modified: self.not_modified - earlier.not_modified,
        }
    }

    fn total(self) -> u64 {
        self.ok + self.not_modified
    }
}

impl Store {
    fn new(port: u16, sources: usize) -> Store {
        let feeds = (0..sources)
            .map(|i| {
                let items = (0..ITEMS_PER_FEED)
                    .map(|k| initial_item(port, i, k))
                    .collect();
                let mut feed = Feed {
                    items,
                    version: 0,
                    etag: String::new(),
                    body: Bytes::new(),
                };
                render(port, i, &mut feed);
                feed
            })
            .collect();
        Store {
            port,
            feeds: Mutex::new(feeds),
            ok: AtomicU64::new(0),
            not_modified: AtomicU64::new(0),
            churn: AtomicBool::new(false),
        }
    }

    /// Replaces feed `i`'s items with [`ITEMS_PER_FEED`] new ones (phase M).
    fn churn(&self, i: usize) {
        let mut feeds = self.feeds();
        let Some(feed) = feeds.get_mut(i) else {
            return;
        };
        feed.version += 1;
        let version = feed.version;
        feed.items = (0..ITEMS_PER_FEED)
            .map(|k| {
                let seed = i * 31 + k * 17 + version as usize * 7;
                let title = format!("{} (m{version}/{i}/{k})", sentence(seed));
                let pub_date = format!("Mon, 01 Dec 2025 {:02}:{:02}:00 +0000", k, version % 60);
                item_xml(
                    self.port,
                    i,
                    &format!("m{version}-{k}"),
                    &title,
                    &pub_date,
                    seed,
                )
            })
            .collect();
        render(self.port, i, feed);
    }

    fn feeds(&self) -> MutexGuard<'_, Vec<Feed>> {
        self.feeds.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds an item at the top of feed `i`; the feed gets a new ETag.
    fn add_item(&self, i: usize, item: String) -> Result<()> {
        let mut feeds = self.feeds();
        let feed = feeds
            .get_mut(i)
            .ok_or_else(|| format!("no feed {i} to add an item to"))?;
        feed.items.insert(0, item);
        feed.version += 1;
        render(self.port, i, feed);
        Ok(())
    }

    fn served(&self) -> Served {
        Served {
            ok: self.ok.load(Ordering::Relaxed),
            not_modified: self.not_modified.load(Ordering::Relaxed),
        }
    }

    fn average_body_bytes(&self) -> usize {
        let feeds = self.feeds();
        feeds.iter().map(|f| f.body.len()).sum::<usize>() / feeds.len().max(1)
    }
}

fn render(port: u16, i: usize, feed: &mut Feed) {
    let lang = if i.is_multiple_of(2) { "he" } else { "en" };
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\n\
         <title>Bench feed {i} — ערוץ בדיקה</title><link>http://127.0.0.1:{port}/</link>\n\
         <description>Synthetic feed {i} for the nahar daemon benchmark</description>\
         <language>{lang}</language>\n"
    );
    for item in &feed.items {
        body.push_str(item);
    }
    body.push_str("</channel></rss>\n");
    feed.etag = format!("\"f{i}-v{}\"", feed.version);
    feed.body = Bytes::from(body);
}

/// RFC 9110 If-None-Match: `*`, or a list of (possibly weak) entity tags compared weakly.
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/") == etag.trim_start_matches("W/")
    })
}

async fn serve_feed(
    State(store): State<Arc<Store>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(i) = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if store.churn.load(Ordering::Relaxed) {
        store.churn(i);
    }
    let (etag, body) = {
        let feeds = store.feeds();
        match feeds.get(i) {
            Some(feed) => (feed.etag.clone(), feed.body.clone()),
            None => return StatusCode::NOT_FOUND.into_response(),
        }
    };
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| etag_matches(inm, &etag));
    if unchanged {
        store.not_modified.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    store.ok.fetch_add(1, Ordering::Relaxed);
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "application/rss+xml; charset=utf-8".to_owned(),
            ),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

/// Starts the feed server on its own thread and runtime; returns its address.
fn start_server(sources: usize) -> Result<(SocketAddr, Arc<Store>)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let store = Arc::new(Store::new(addr.port(), sources));
    let app = Router::new()
        .route("/feed/{file}", get(serve_feed))
        .with_state(store.clone());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::result::Result<(), String>>();
    std::thread::Builder::new()
        .name(SERVER_THREAD.into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready_tx.send(Err(format!("feed server runtime: {e}")));
                    return;
                }
            };
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("feed server listener: {e}")));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                if let Err(e) = axum::serve(listener, app).await {
                    eprintln!("daemon bench: the feed server stopped: {e}");
                }
            });
        })?;
    ready_rx
        .recv()
        .map_err(|_| "the feed server thread ended before it was ready")??;
    Ok((addr, store))
}

// ---------------------------------------------------------------------------------------------
// The config

fn write_config(
    path: &Path,
    feeds: SocketAddr,
    listen: u16,
    sources: usize,
    interval: &str,
    max_interval: Option<&str>,
) -> Result<()> {
    let mut text = String::new();
    writeln!(
        text,
        "# nahar daemon bench: {sources} sources, interval {interval}"
    )?;
    writeln!(text, "[output]\ndir = \"out\"\n")?;
    writeln!(
        text,
        "[http]\nper_host_delay = \"0s\"\nper_host_concurrency = 64\n"
    )?;
    writeln!(text, "[service]\nlisten = \"127.0.0.1:{listen}\"\n")?;
    writeln!(
        text,
        "[defaults]\ninterval = \"{interval}\"\nmin_interval = \"1s\""
    )?;
    if let Some(max) = max_interval {
        writeln!(text, "max_interval = \"{max}\"")?;
    }
    for i in 0..sources {
        writeln!(
            text,
            "\n[[source]]\nname = \"feed-{i:05}\"\nurl = \"http://{feeds}/feed/{i}.xml\""
        )?;
    }
    let mut file = File::create(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The daemon process

/// CPU seconds of this process's thread named `name` (the feed server), from
/// `/proc/self/task/<tid>/stat`.
fn thread_cpu_seconds(name: &str, clk_tck: f64) -> Result<f64> {
    for task in std::fs::read_dir("/proc/self/task")? {
        let path = task?.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        return stat_cpu_seconds(&std::fs::read_to_string(path.join("stat"))?, clk_tck);
    }
    Err(format!("no thread named {name}").into())
}

/// A `kB` field of `/proc/<pid>/status` (VmHWM, VmRSS), in KiB.
fn status_kib(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .ok_or_else(|| format!("/proc/{pid}/status has no {field}").into())
}

/// Context switches (voluntary + involuntary) of each thread of a process, by thread id.
fn switches_by_thread(pid: u32) -> Result<BTreeMap<String, u64>> {
    let mut threads = BTreeMap::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let task = task?;
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
            continue; // the thread ended meanwhile
        };
        let switches = status
            .lines()
            .filter_map(|line| {
                line.strip_prefix("voluntary_ctxt_switches:")
                    .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
            })
            .filter_map(|v| v.trim().parse::<u64>().ok())
            .sum();
        threads.insert(task.file_name().to_string_lossy().into_owned(), switches);
    }
    Ok(threads)
}

/// Context switches between two samples, over the threads alive at the second (a thread that
/// ended in between is not counted).
fn switches_between(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> u64 {
    after
        .iter()
        .map(|(tid, n)| n.saturating_sub(before.get(tid).copied().unwrap_or(0)))
        .sum()
}

struct Daemon {
    child: Child,
    pid: u32,
    clk_tck: f64,
    log: PathBuf,
    metrics: SocketAddr,
    started: Instant,
}

struct Stopped {
    took: Duration,
    status: ExitStatus,
}

impl Daemon {
    fn spawn(
        bin: &Path,
        config: &Path,
        log: PathBuf,
        metrics: SocketAddr,
        clk: f64,
    ) -> Result<Daemon> {
        let out = File::create(&log)?;
        let err = out.try_clone()?;
        let started = Instant::now();
        let child = Command::new(bin)
            .arg("run")
            .arg("-c")
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let pid = child.id();
        Ok(Daemon {
            child,
            pid,
            clk_tck: clk,
            log,
            metrics,
            started,
        })
    }

    /// An error when the daemon has exited.
    fn alive(&mut self) -> Result<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => Err(format!(
                "nahar run exited early ({status}); its log: {}\n{}",
                self.log.display(),
                tail(&self.log, 20)
            )
            .into()),
        }
    }

    fn cpu(&self) -> Result<f64> {
        cpu_seconds(self.pid, self.clk_tck)
    }

    fn peak_rss_kib(&self) -> Result<u64> {
        status_kib(self.pid, "VmHWM")
    }

    fn rss_kib(&self) -> Result<u64> {
        status_kib(self.pid, "VmRSS")
    }

    fn metrics(&self) -> Result<Metrics> {
        Metrics::fetch(self.metrics)
    }

    /// Waits (polling every `step`) until `done` says so; the time it took.
    fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        step: Duration,
        mut done: impl FnMut(&Daemon) -> Result<bool>,
    ) -> Result<Duration> {
        let start = Instant::now();
        loop {
            self.alive()?;
            if done(self)? {
                return Ok(start.elapsed());
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "timed out after {:.0} s waiting for {what}; log: {}",
                    timeout.as_secs_f64(),
                    self.log.display()
                )
                .into());
            }
            std::thread::sleep(step);
        }
    }

    /// Waits until `/metrics` answers; the time since the spawn.
    fn wait_serving(&mut self) -> Result<Duration> {
        self.wait_for(
            "/metrics to answer",
            Duration::from_secs(30),
            Duration::from_millis(5),
            |d| Ok(d.metrics().is_ok()),
        )?;
        Ok(self.started.elapsed())
    }

    /// SIGTERM, then wait for the exit.
    fn stop(&mut self) -> Result<Stopped> {
        let start = Instant::now();
        let kill = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()?;
        if !kill.success() {
            return Err(format!("kill -TERM {} failed: {kill}", self.pid).into());
        }
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Stopped {
                    took: start.elapsed(),
                    status,
                });
            }
            if start.elapsed() > Duration::from_secs(90) {
                return Err(
                    format!("nahar run (pid {}) ignored SIGTERM for 90 s", self.pid).into(),
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // Only when the bench gives up half-way: never leave our child running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The sums over all sources of the counters the bench needs.
#[derive(Debug, Clone, Copy, Default)]
struct Metrics {
    fetches: f64,
    errors: f64,
    not_modified: f64,
    written: f64,
}

impl Metrics {
    fn fetch(addr: SocketAddr) -> Result<Metrics> {
        let text = http_get(addr, "/metrics")?;
        let mut m = Metrics::default();
        for line in text.lines() {
            let Some(value) = line
                .rsplit_once(' ')
                .and_then(|(_, v)| v.trim().parse::<f64>().ok())
            else {
                continue;
            };
            let name = line.split(['{', ' ']).next().unwrap_or("");
            match name {
                "nahar_fetches_total" => {
                    m.fetches += value;
                    if line.contains("outcome=\"error\"") {
                        m.errors += value;
                    }
                }
                "nahar_not_modified_total" => m.not_modified += value,
                "nahar_records_written_total" => m.written += value,
                _ => {}
            }
        }
        Ok(m)
    }
}

fn http_get(addr: SocketAddr, path: &str) -> Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or("a response without headers")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!("GET {path}: {}", head.lines().next().unwrap_or_default()).into());
    }
    Ok(body.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Records on disk

/// Follows `records/*.jsonl` by offset: counts complete lines and hands each new one over.
struct Records {
    dir: PathBuf,
    files: BTreeMap<PathBuf, (u64, Vec<u8>)>,
    lines: u64,
}

impl Records {
    fn new(dir: PathBuf) -> Records {
        Records {
            dir,
            files: BTreeMap::new(),
            lines: 0,
        }
    }

    /// Reads what was appended since the last call; returns the complete lines so far.
    fn poll(&mut self, mut on_line: impl FnMut(&[u8])) -> Result<u64> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(self.lines),
            Err(e) => return Err(e.into()),
        };
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "jsonl") {
                continue;
            }
            let (offset, partial) = self.files.entry(path.clone()).or_default();
            let mut file = File::open(&path)?;
            if file.metadata()?.len() <= *offset {
                continue;
            }
            file.seek(SeekFrom::Start(*offset))?;
            let read = file.read_to_end(partial)?;
            *offset += read as u64;
            let mut start = 0;
            while let Some(end) = partial[start..].iter().position(|&b| b == b'\n') {
                on_line(&partial[start..start + end]);
                self.lines += 1;
                start += end + 1;
            }
            partial.drain(..start);
        }
        Ok(self.lines)
    }
}

/// What is on disk at the end: records, distinct (id, revision) pairs, lines that are not JSON.
struct Audit {
    records: u64,
    distinct: usize,
    invalid: u64,
    bytes: u64,
}

fn audit(dir: &Path) -> Result<Audit> {
    let mut records = Records::new(dir.to_path_buf());
    let mut seen = HashSet::new();
    let mut invalid = 0;
    records.poll(
        |line| match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(value) => {
                seen.insert((
                    value["id"].as_str().unwrap_or_default().to_owned(),
                    value["revision"].as_u64().unwrap_or(0),
                ));
            }
            Err(_) => invalid += 1,
        },
    )?;
    let bytes = records.files.values().map(|(offset, _)| offset).sum();
    Ok(Audit {
        records: records.lines,
        distinct: seen.len(),
        invalid,
        bytes,
    })
}

// ---------------------------------------------------------------------------------------------
// The report

#[derive(Default)]
struct Table {
    rows: Vec<(String, String)>,
    failures: Vec<String>,
}

impl Table {
    fn section(&mut self, title: &str) {
        self.rows.push((format!("-- {title}"), String::new()));
    }

    fn row(&mut self, label: &str, value: impl std::fmt::Display) {
        self.rows.push((format!("  {label}"), value.to_string()));
    }

    fn check(&mut self, label: &str, ok: bool, detail: impl std::fmt::Display) {
        let verdict = if ok { "ok" } else { "FAILED" };
        self.row(label, format!("{detail} ({verdict})"));
        if !ok {
            self.failures.push(format!("{label}: {detail}"));
        }
    }

    fn print(&self) {
        let width = self
            .rows
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        println!();
        for (label, value) in &self.rows {
            if value.is_empty() {
                println!("{label}");
            } else {
                println!("{label:<width$}  {value}");
            }
        }
        println!();
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn percent(cpu: f64, wall: Duration) -> String {
    format!("{:.2} %", 100.0 * cpu / wall.as_secs_f64())
}

fn stop_rows(table: &mut Table, label: &str, stopped: &Stopped) {
    table.row(&format!("{label}: SIGTERM to exit"), ms(stopped.took));
    table.check(
        &format!("{label}: exit status"),
        stopped.status.success(),
        stopped.status,
    );
}

fn progress(message: &str) {
    eprintln!("daemon bench: {message}");
}

// ---------------------------------------------------------------------------------------------
// The phases

fn run() -> Result<bool> {
    let settings = settings()?;
    let (bin, bin_from) = binary()?;
    let n = settings.sources;
    let expected = (n * ITEMS_PER_FEED) as u64;
    let clk_tck = clk_tck();

    let mut table = Table::default();
    let tmp = tempfile::Builder::new()
        .prefix("nahar-daemon-bench-")
        .tempdir()?;
    let root = tmp.path().to_path_buf();
    let config = root.join("nahar.toml");
    let records_dir = root.join("out/records");

    // Machine and binary.
    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|e| format!("? ({e})"));
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let bin_meta = std::fs::metadata(&bin)?;
    let stale = newest_mtime(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .zip(bin_meta.modified().ok())
        .is_some_and(|(src, built)| src > built);
    table.section("machine");
    table.row(
        "nproc",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    table.row("cpu", &cpu_model);
    table.row("CLK_TCK", clk_tck);
    table.section("binary");
    table.row("path", bin.display());
    let kind = if has_debug_lines(&bin)? {
        "optimized, with debug line tables (the `bench` profile: `cargo bench` rebuilt it)"
    } else {
        "optimized, no debug info (`cargo build --release`)"
    };
    let profile = format!("{kind}; from {bin_from}");
    table.row("profile", profile);
    table.row("version", &version);
    table.row("size", mib(bin_meta.len() / 1024));
    if stale {
        table.row(
            "WARNING",
            "a file under src/ is newer than the binary: rebuild with `cargo build --release`",
        );
    }
    table.row(
        "log level",
        std::env::var("NAHAR_LOG").unwrap_or_else(|_| "info (default), text, to a file".into()),
    );

    // The feeds.
    let (feeds_addr, store) = start_server(n)?;
    let listen = free_port()?;
    let metrics_addr = SocketAddr::from(([127, 0, 0, 1], listen));
    table.section("workload");
    table.row("sources", n);
    table.row("items per feed", ITEMS_PER_FEED);
    table.row("records expected", expected);
    table.row(
        "feed body (average)",
        format!("{} bytes", store.average_body_bytes()),
    );
    table.row(
        "feed server",
        format!("http://{feeds_addr}/feed/{{i}}.xml (ETag, If-None-Match → 304)"),
    );
    table.row(
        "http",
        "per_host_delay 0s, per_host_concurrency 64 (all sources on one host)",
    );

    // ---- A: ingestion
    progress(&format!(
        "phase A: ingesting {n} sources × {ITEMS_PER_FEED} items"
    ));
    write_config(&config, feeds_addr, listen, n, "10m", None)?;
    let mut records = Records::new(records_dir.clone());
    let server_a0 = thread_cpu_seconds(SERVER_THREAD, clk_tck)?;
    let mut daemon = Daemon::spawn(&bin, &config, root.join("log-a.txt"), metrics_addr, clk_tck)?;
    let mut first_record: Option<Duration> = None;
    daemon.wait_for(
        "all records on disk",
        settings.ingest_timeout,
        Duration::from_millis(5),
        |d| {
            let lines = records.poll(|_| {})?;
            if lines > 0 && first_record.is_none() {
                first_record = Some(d.started.elapsed());
            }
            Ok(lines >= expected)
        },
    )?;
    let ingest_wall = daemon.started.elapsed();
    let ingest_cpu = daemon.cpu()?;
    let ingest_hwm = daemon.peak_rss_kib()?;
    let server_a = thread_cpu_seconds(SERVER_THREAD, clk_tck)? - server_a0;
    let served_a = store.served();
    let all_checked = daemon.wait_for(
        "every check to finish",
        Duration::from_secs(60),
        Duration::from_millis(5),
        |d| Ok(d.metrics()?.fetches >= n as f64),
    )?;
    let metrics_a = daemon.metrics()?;
    table.section("A: ingestion (interval 10m, empty output)");
    table.row(
        "first record on disk after start",
        ms(first_record.unwrap_or_default()),
    );
    table.row(
        &format!("all {expected} records on disk after start"),
        secs(ingest_wall),
    );
    table.row(
        "records per second (wall)",
        format!("{:.0}", expected as f64 / ingest_wall.as_secs_f64()),
    );
    table.row("daemon CPU at that point", format!("{ingest_cpu:.2} s"));
    table.row(
        "CPU per source (10 items: GET, parse, analysis, write)",
        format!("{:.3} ms", 1000.0 * ingest_cpu / n as f64),
    );
    table.row(
        "CPU per record",
        format!("{:.3} ms", 1000.0 * ingest_cpu / expected as f64),
    );
    table.row(
        "CPU / wall (cores busy)",
        format!("{:.2}", ingest_cpu / ingest_wall.as_secs_f64()),
    );
    table.row("peak RSS (VmHWM)", mib(ingest_hwm));
    table.row(
        "all checks reported in /metrics",
        format!("+{}", ms(all_checked)),
    );
    table.row(
        "requests served (200 / 304)",
        format!("{} / {}", served_a.ok, served_a.not_modified),
    );
    table.row(
        "feed server CPU meanwhile (its one thread)",
        format!(
            "{server_a:.2} s = {} of one core: not the bottleneck while under 100 %",
            percent(server_a, ingest_wall)
        ),
    );
    table.check(
        "nahar_fetches_total (errors)",
        metrics_a.errors == 0.0,
        format!("{} ({})", metrics_a.fetches, metrics_a.errors),
    );
    table.row("nahar_records_written_total", metrics_a.written);

    // ---- B: idle
    progress(&format!(
        "phase B: idle for {} s (nothing due for 10 minutes)",
        settings.idle.as_secs()
    ));
    std::thread::sleep(Duration::from_secs(1));
    daemon.alive()?;
    let served_b0 = store.served();
    let switches0 = switches_by_thread(daemon.pid)?;
    let cpu_b0 = daemon.cpu()?;
    let start_b = Instant::now();
    std::thread::sleep(settings.idle);
    let cpu_b1 = daemon.cpu()?;
    let wall_b = start_b.elapsed();
    let switches1 = switches_by_thread(daemon.pid)?;
    let served_b = store.served().since(served_b0);
    let rss_b = daemon.rss_kib()?;
    table.section(&format!(
        "B: idle (interval 10m, {} s window)",
        settings.idle.as_secs()
    ));
    table.row("daemon CPU in window", format!("{:.3} s", cpu_b1 - cpu_b0));
    table.row("idle CPU (% of one core)", percent(cpu_b1 - cpu_b0, wall_b));
    table.row(
        "context switches per second",
        format!(
            "{:.1}",
            switches_between(&switches0, &switches1) as f64 / wall_b.as_secs_f64()
        ),
    );
    table.row(
        "threads (start / end of window)",
        format!("{} / {}", switches0.len(), switches1.len()),
    );
    table.row("RSS (VmRSS)", mib(rss_b));
    table.check(
        "requests during idle",
        served_b.total() == 0,
        served_b.total(),
    );
    let stopped_a = daemon.stop()?;
    stop_rows(&mut table, "stop after A+B", &stopped_a);
    drop(daemon);
    // One line for `scripts/bench.sh` to read, completed by the later phases.
    let mut result = format!(
        "RESULT daemon_sources={n} ingest_seconds={:.3} ingest_cpu_seconds={ingest_cpu:.3} cpu_per_source_ms={:.3} peak_rss_mib={:.1} idle_cpu_percent={:.3} server_cpu_percent={:.1}",
        ingest_wall.as_secs_f64(),
        1000.0 * ingest_cpu / n as f64,
        ingest_hwm as f64 / 1024.0,
        100.0 * (cpu_b1 - cpu_b0) / wall_b.as_secs_f64().max(1e-9),
        100.0 * server_a / ingest_wall.as_secs_f64().max(1e-9),
    );
    let mut expected_on_disk = Some(expected);
    let bench = Bench {
        settings: &settings,
        bin: &bin,
        config: &config,
        root: &root,
        addresses: (feeds_addr, listen, metrics_addr),
        store: &store,
        clk_tck,
    };
    if settings.phases.contains('C') {
        phase_c(bench, &mut records, &mut table, &mut result)?;
    }
    if settings.phases.contains('D') {
        let probes = phase_d(bench, &mut records, &mut table, &mut result)?;
        expected_on_disk = expected_on_disk.map(|e| e + probes);
    }
    if settings.month_records > 0 {
        phase_m(bench, &mut table, &mut result)?;
        expected_on_disk = None;
    }

    // ---- what is on disk
    if let Some(total) = expected_on_disk {
        let audit = audit(&records_dir)?;
        table.section("on disk");
        table.check(
            "records",
            audit.records == total,
            format!("{} (expected {total})", audit.records),
        );
        table.check(
            "distinct (id, revision)",
            audit.distinct as u64 == audit.records,
            audit.distinct,
        );
        table.check("lines that are not JSON", audit.invalid == 0, audit.invalid);
        table.row(
            "bytes (per record)",
            format!("{} ({})", audit.bytes, audit.bytes / audit.records.max(1)),
        );
    }

    println!("{result}");
    println!(
        "\nnahar daemon bench — {n} sources, phases AB{}{}",
        settings.phases,
        if settings.month_records > 0 { "M" } else { "" }
    );
    table.print();
    if settings.keep_tmp {
        let kept = tmp.keep();
        println!("kept {} (config, out/, log-*.txt)", kept.display());
    }
    if table.failures.is_empty() {
        Ok(true)
    } else {
        println!("FAILED checks:");
        for failure in &table.failures {
            println!("  {failure}");
        }
        Ok(false)
    }
}

/// The addresses every phase's daemon uses: the feeds, the port `[service] listen` gets, and
/// that address.
type Addresses = (SocketAddr, u16, SocketAddr);

/// What the phases after the first run against.
#[derive(Clone, Copy)]
struct Bench<'a> {
    settings: &'a Settings,
    bin: &'a Path,
    config: &'a Path,
    root: &'a Path,
    addresses: Addresses,
    store: &'a Store,
    clk_tck: f64,
}

impl Bench<'_> {
    /// Writes the config for the next daemon: its interval and, if any, `max_interval`.
    fn configure(&self, every: &str, max_interval: Option<&str>) -> Result<()> {
        let (feeds_addr, listen, _) = self.addresses;
        write_config(
            self.config,
            feeds_addr,
            listen,
            self.settings.sources,
            every,
            max_interval,
        )
    }

    /// Starts a daemon on the config, logging to `root/log`.
    fn spawn(&self, log: &str) -> Result<Daemon> {
        Daemon::spawn(
            self.bin,
            self.config,
            self.root.join(log),
            self.addresses.2,
            self.clk_tck,
        )
    }
}

/// Phase C: every poll a 304.
fn phase_c(
    bench: Bench,
    records: &mut Records,
    table: &mut Table,
    result: &mut String,
) -> Result<()> {
    let (settings, store, clk_tck) = (bench.settings, bench.store, bench.clk_tck);
    let n = settings.sources;
    let every = format!("{}s", settings.poll_interval.as_secs());
    // A restart keeps the stored schedule up to the new interval (plus its jitter).
    let restart_wait = settings
        .restart_wait
        .max(settings.poll_interval + settings.poll_interval / 5);
    progress(&format!(
        "phase C: restart with interval {every} (every poll a 304)"
    ));
    bench.configure(&every, None)?;
    let served_c0 = store.served();
    let mut daemon = bench.spawn("log-c.txt")?;
    let serving = daemon.wait_serving()?;
    table.section(&format!(
        "C: polling (restart with interval {every}, same output dir)"
    ));
    table.row("start to /metrics answering", ms(serving));
    let first_poll = daemon.wait_for(
        "the first poll after the restart",
        restart_wait,
        Duration::from_millis(5),
        |_| Ok(store.served().since(served_c0).total() > 0),
    );
    let mut workaround = false;
    match first_poll {
        Ok(_) => table.row("start to first poll", ms(daemon.started.elapsed())),
        Err(err) => {
            // The stored next check (from the 10m run) is kept across the restart.
            table.check(
                "first poll after restart",
                false,
                format!(
                    "none within {} s of the restart: the next check stored by the 10m run \
                     (~10 min away) is kept although the interval is now 5s",
                    restart_wait.as_secs()
                ),
            );
            progress(&format!(
                "{err}; restarting with max_interval = \"{every}\" instead"
            ));
            let stopped = daemon.stop()?;
            stop_rows(table, "stop (no poll)", &stopped);
            drop(daemon);
            bench.configure(&every, Some(&every))?;
            workaround = true;
            daemon = bench.spawn("log-c2.txt")?;
            daemon.wait_serving()?;
            daemon.wait_for(
                "the first poll after the restart with max_interval = interval",
                restart_wait + Duration::from_secs(10),
                Duration::from_millis(5),
                |_| Ok(store.served().since(served_c0).total() > 0),
            )?;
            table.row(
                "workaround: restart with max_interval = interval",
                format!("first poll {}", ms(daemon.started.elapsed())),
            );
        }
    }
    daemon.wait_for(
        "every source polled once",
        Duration::from_secs(120) + settings.poll_interval * 2,
        Duration::from_millis(5),
        |d| Ok(d.metrics()?.fetches >= n as f64),
    )?;
    table.row(
        "every source polled once",
        format!("{} after start", secs(daemon.started.elapsed())),
    );
    let lines_c0 = records.poll(|_| {})?;
    let metrics_c0 = daemon.metrics()?;
    let served_w0 = store.served();
    let cpu_c0 = daemon.cpu()?;
    let server_c0 = thread_cpu_seconds(SERVER_THREAD, clk_tck)?;
    let start_c = Instant::now();
    std::thread::sleep(settings.steady);
    let cpu_c1 = daemon.cpu()?;
    let server_c = thread_cpu_seconds(SERVER_THREAD, clk_tck)? - server_c0;
    let wall_c = start_c.elapsed();
    let served_w = store.served().since(served_w0);
    let metrics_c1 = daemon.metrics()?;
    let lines_c1 = records.poll(|_| {})?;
    let hwm_c = daemon.peak_rss_kib()?;
    table.row("window", secs(wall_c));
    table.row("daemon CPU in window", format!("{:.3} s", cpu_c1 - cpu_c0));
    table.row(
        "polling CPU (% of one core)",
        percent(cpu_c1 - cpu_c0, wall_c),
    );
    table.row(
        "polls in window (served 200 / 304)",
        format!(
            "{} / {} (= {:.2} rounds of {n}; each source is due every {every} + up to 10 %, \
             and after a restart they poll in step)",
            served_w.ok,
            served_w.not_modified,
            served_w.total() as f64 / n as f64
        ),
    );
    table.row(
        "polls per second",
        format!("{:.1}", served_w.total() as f64 / wall_c.as_secs_f64()),
    );
    let per_poll = (cpu_c1 - cpu_c0) / served_w.total().max(1) as f64;
    table.row("CPU per poll", format!("{:.3} ms", 1000.0 * per_poll));
    // The steady state the issue asks about: N sources every 10 minutes, all 304s. Measured
    // here at the rate above (CPU per poll), scaled to N / 600 polls per second.
    let ten_minutes = 100.0 * per_poll * n as f64 / 600.0;
    table.row(
        &format!("{n} sources every 10 min (CPU per poll × {n}/600 s)"),
        format!("{ten_minutes:.2} % of one core"),
    );
    table.row(
        "feed server CPU in window (its one thread)",
        percent(server_c, wall_c),
    );
    write!(
        result,
        " poll_cpu_ms={:.3} polls_per_second={:.1} polling_cpu_percent={:.2} ten_minute_cpu_percent={ten_minutes:.3}",
        1000.0 * per_poll,
        served_w.total() as f64 / wall_c.as_secs_f64(),
        100.0 * (cpu_c1 - cpu_c0) / wall_c.as_secs_f64(),
    )?;
    table.row(
        "nahar_not_modified_total (since restart)",
        format!(
            "{} (+{} in window)",
            metrics_c1.not_modified,
            metrics_c1.not_modified - metrics_c0.not_modified
        ),
    );
    table.check(
        "fetch errors since restart",
        metrics_c1.errors == 0.0,
        metrics_c1.errors,
    );
    table.check(
        "records written while unchanged",
        lines_c1 == lines_c0 && lines_c0 == (n * ITEMS_PER_FEED) as u64,
        lines_c1 - lines_c0.min(lines_c1),
    );
    table.row("peak RSS (VmHWM)", mib(hwm_c));
    if workaround {
        table.row(
            "NOTE",
            "phase C figures are from the max_interval = 5s restart",
        );
    }
    let stopped_c = daemon.stop()?;
    stop_rows(table, "stop after C", &stopped_c);
    Ok(())
}

/// Phase D: the latency of a new item; the number of probe records written.
fn phase_d(
    bench: Bench,
    records: &mut Records,
    table: &mut Table,
    result: &mut String,
) -> Result<u64> {
    let (settings, store) = (bench.settings, bench.store);
    let n = settings.sources;
    progress("phase D: restart with interval 2s; new items in 5 feeds");
    // A schedule stored by an earlier phase is at most its interval away, and the restart
    // brings it within 2 s.
    bench.configure("2s", None)?;
    let served_d0 = store.served();
    let mut daemon = bench.spawn("log-d.txt")?;
    daemon.wait_serving()?;
    daemon.wait_for(
        "every source polled once",
        Duration::from_secs(120),
        Duration::from_millis(5),
        |d| Ok(d.metrics()?.fetches >= n as f64),
    )?;
    records.poll(|_| {})?;
    let cpu_d0 = daemon.cpu()?;
    let start_d = Instant::now();
    let mut latencies = Vec::new();
    table.section("D: new-item latency (interval 2s)");
    for probe in 0..PROBES {
        let feed = (probe * n / PROBES + probe) % n;
        let marker = probe_marker(probe, feed);
        store.add_item(feed, probe_item(store.port, feed, probe))?;
        let added = Instant::now();
        let mut found = false;
        let waited = daemon.wait_for(
            &format!("the record of probe {probe} (feed {feed})"),
            Duration::from_secs(30),
            Duration::from_millis(2),
            |_| {
                records.poll(|line| {
                    if line.windows(marker.len()).any(|w| w == marker.as_bytes()) {
                        found = true;
                    }
                })?;
                Ok(found)
            },
        );
        match waited {
            Ok(_) => {
                let latency = added.elapsed();
                latencies.push(latency);
                table.row(&format!("probe {probe} (feed-{feed:05})"), ms(latency));
            }
            Err(err) => table.check(&format!("probe {probe} (feed-{feed:05})"), false, err),
        }
        // Spread the additions over different phases of the poll cycle.
        std::thread::sleep(Duration::from_millis(700 + 130 * probe as u64));
    }
    let wall_d = start_d.elapsed();
    let cpu_d = daemon.cpu()? - cpu_d0;
    latencies.sort();
    if let (Some(min), Some(max)) = (latencies.first(), latencies.last()) {
        let median = latencies[latencies.len() / 2];
        table.row(
            "min / median / max",
            format!("{} / {} / {}", ms(*min), ms(median), ms(*max)),
        );
        let mean = latencies.iter().sum::<Duration>() / latencies.len() as u32;
        table.row("mean (expect ≈ 1.05 s + processing)", ms(mean));
    }
    table.row(
        "polling CPU meanwhile (% of one core)",
        percent(cpu_d, wall_d),
    );
    let served_d = store.served().since(served_d0);
    table.row(
        "requests served since restart (200 / 304)",
        format!("{} / {}", served_d.ok, served_d.not_modified),
    );
    table.row("peak RSS (VmHWM)", mib(daemon.peak_rss_kib()?));

    if !latencies.is_empty() {
        write!(
            result,
            " latency_median_ms={:.0}",
            latencies[latencies.len() / 2].as_secs_f64() * 1000.0
        )?;
    }

    let stopped_d = daemon.stop()?;
    table.section("stop (SIGTERM while polling every 2s)");
    stop_rows(table, "stop after D", &stopped_d);
    Ok(latencies.len() as u64)
}

/// Phase M: a month of records through one daemon, its memory sampled every second.
fn phase_m(bench: Bench, table: &mut Table, result: &mut String) -> Result<()> {
    let (settings, store, root) = (bench.settings, bench.store, bench.root);
    let n = settings.sources;
    let target = settings.month_records;
    progress(&format!(
        "phase M: {target} records through one daemon (interval 1s, new items on every request)"
    ));
    bench.configure("1s", Some("1s"))?;
    store.churn.store(true, Ordering::Relaxed);
    let mut daemon = bench.spawn("log-m.txt")?;
    daemon.wait_serving()?;
    let start = Instant::now();
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let mut last_report = Instant::now();
    daemon.wait_for(
        &format!("{target} records"),
        Duration::from_secs(3 * 3600),
        Duration::from_secs(1),
        |d| {
            let written = d.metrics()?.written;
            samples.push((written, d.rss_kib()?));
            if last_report.elapsed() > Duration::from_secs(30) {
                progress(&format!(
                    "phase M: {written:.0} records, RSS {}",
                    mib(d.rss_kib()?)
                ));
                last_report = Instant::now();
            }
            Ok(written >= target as f64)
        },
    )?;
    store.churn.store(false, Ordering::Relaxed);
    let wall = start.elapsed();
    let cpu = daemon.cpu()?;
    let hwm = daemon.peak_rss_kib()?;
    let stopped = daemon.stop()?;
    // Memory after warm-up: the first sample at 10 % of the records; growth: the least-squares
    // slope of resident memory over records from there to the end.
    let warm: Vec<(f64, u64)> = samples
        .iter()
        .copied()
        .filter(|(written, _)| *written >= target as f64 / 10.0)
        .collect();
    let (Some(&(warm_at, warm_rss)), Some(&(end_at, end_rss))) = (warm.first(), warm.last()) else {
        return Err("phase M ended without memory samples".into());
    };
    let count = warm.len() as f64;
    let mean_x = warm.iter().map(|(x, _)| x).sum::<f64>() / count;
    let mean_y = warm.iter().map(|(_, y)| *y as f64).sum::<f64>() / count;
    let covariance: f64 = warm
        .iter()
        .map(|(x, y)| (x - mean_x) * (*y as f64 - mean_y))
        .sum();
    let variance: f64 = warm.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    let kib_per_record = if variance > 0.0 {
        covariance / variance
    } else {
        0.0
    };
    let max_after_warm = warm.iter().map(|(_, rss)| *rss).max().unwrap_or(warm_rss);
    table.section(&format!(
        "M: a month of records ({n} sources, interval 1s, every request 10 new items)"
    ));
    table.row(
        "records written",
        format!(
            "{end_at:.0} in {} ({:.0}/s)",
            secs(wall),
            end_at / wall.as_secs_f64()
        ),
    );
    table.row(
        "daemon CPU",
        format!(
            "{cpu:.1} s ({:.3} ms per record)",
            1000.0 * cpu / end_at.max(1.0)
        ),
    );
    table.row(
        "RSS after warm-up",
        format!("{} (at {warm_at:.0} records)", mib(warm_rss)),
    );
    table.row("RSS at the end", mib(end_rss));
    table.row("largest RSS after warm-up", mib(max_after_warm));
    table.row(
        "RSS growth after warm-up (least squares)",
        format!("{:.3} KiB per 1,000 records", kib_per_record * 1000.0),
    );
    table.row("peak RSS (VmHWM)", mib(hwm));
    let bytes = std::fs::read_dir(root.join("out/records"))?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum::<u64>();
    table.row("records files", mib(bytes / 1024));
    stop_rows(table, "stop after M", &stopped);
    write!(
        result,
        " month_records={end_at:.0} month_rss_warm_mib={:.1} month_rss_end_mib={:.1} month_rss_max_mib={:.1} month_kib_per_1000_records={:.3}",
        warm_rss as f64 / 1024.0,
        end_rss as f64 / 1024.0,
        max_after_warm as f64 / 1024.0,
        kib_per_record * 1000.0,
    )?;
    Ok(())
}
