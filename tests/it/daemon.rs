//! `nahar run` as an operator runs it: the real binary as a child process against a 127.0.0.1
//! server, driven by signals, observed through its records, its logs and its endpoints.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::serve::{Reply, Server};

pub struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    pub fn start(config: &Path) -> Daemon {
        let log = config.with_extension("log");
        let stderr = File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_nahar"))
            .args(["run", "-c"])
            .arg(config)
            .env("NAHAR_LOG", "info")
            .env_remove("NAHAR_CONFIG")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start nahar run");
        Daemon { child, log }
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{name}");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the exit status, at most `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// `GET path` on 127.0.0.1:port: (status code, body).
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let code = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n")?.1.to_owned();
    Some((code, body))
}

fn wait_for(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

fn records(out: &Path) -> Vec<serde_json::Value> {
    crate::records::read_dir(&out.join("records"))
}

fn count(out: &Path, source: &str) -> usize {
    records(out)
        .iter()
        .filter(|r| r["source"] == source)
        .count()
}

pub fn rss(prefix: &str, n: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title><link>https://example.org/</link>\n",
    );
    for i in 0..n {
        xml.push_str(&format!(
            "<item><guid>{prefix}-{i}</guid><title>{prefix} headline {i} על הכותרת</title><link>https://example.org/{prefix}/{i}</link><description>Body {i}.</description></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

pub fn write_config(dir: &Path, port: Option<u16>, sources: &[(&str, String)]) -> PathBuf {
    write_config_with(
        dir,
        port,
        "interval = \"1s\"\nmin_interval = \"1s\"\n",
        sources,
    )
}

/// A config with `defaults` as the `[defaults]` table's lines; a source's "url" may carry more
/// lines after a newline (`"http://…\ninterval = \"auto\""`).
fn write_config_with(
    dir: &Path,
    port: Option<u16>,
    defaults: &str,
    sources: &[(&str, String)],
) -> PathBuf {
    let mut text = format!(
        "[output]\ndir = \"out\"\n\n[http]\nper_host_delay = \"0s\"\nper_host_concurrency = 16\ntimeout = \"10s\"\n\n[defaults]\n{defaults}"
    );
    if let Some(port) = port {
        text.push_str(&format!(
            "\n[service]\nlisten = \"127.0.0.1:{port}\"\nshutdown_grace = \"5s\"\n"
        ));
    }
    for (name, url) in sources {
        let (url, more) = url.split_once('\n').unwrap_or((url, ""));
        text.push_str(&format!(
            "\n[[source]]\nname = \"{name}\"\nurl = \"{url}\"\n{more}\n"
        ));
    }
    let path = dir.join("nahar.toml");
    std::fs::write(&path, text).expect("config");
    path
}

#[test]
fn new_items_appear_within_an_interval_and_health_and_metrics_answer() {
    let server = Server::start();
    server.set("/a.xml", Reply::ok("application/rss+xml", rss("a", 2)));
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = write_config(dir.path(), Some(port), &[("a", server.url("/a.xml"))]);
    let out = dir.path().join("out");
    let mut daemon = Daemon::start(&config);

    assert!(
        wait_for(Duration::from_secs(20), || count(&out, "a") == 2),
        "first records: {}",
        daemon.log()
    );
    server.set("/a.xml", Reply::ok("application/rss+xml", rss("a", 3)));
    let published = Instant::now();
    assert!(
        wait_for(Duration::from_secs(10), || count(&out, "a") == 3),
        "new item: {}",
        daemon.log()
    );
    let latency = published.elapsed();
    assert!(latency < Duration::from_secs(5), "{latency:?}");

    let (code, body) = http_get(port, "/health").expect("/health answers");
    assert_eq!(code, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("health JSON");
    assert_eq!(health["status"], "ok", "{body}");
    assert_eq!(health["sources"][0]["name"], "a");
    assert!(health["sources"][0]["last_success"].is_string(), "{body}");
    assert!(health["sources"][0]["next_check"].is_string(), "{body}");
    assert_eq!(health["sources"][0]["consecutive_failures"], 0);

    // The records are on disk a moment before the check that wrote them is counted.
    let mut metrics = String::new();
    assert!(
        wait_for(Duration::from_secs(5), || {
            let (code, body) = http_get(port, "/metrics").expect("/metrics answers");
            assert_eq!(code, 200);
            metrics = body;
            metrics.contains("nahar_records_written_total{source=\"a\"} 3")
        }),
        "{metrics}"
    );
    assert!(metrics.contains("# TYPE nahar_fetch_duration_seconds histogram"));
    assert_eq!(http_get(port, "/nothing").map(|(c, _)| c), Some(404));

    daemon.signal("TERM");
    assert_eq!(
        daemon.wait(Duration::from_secs(6)),
        Some(0),
        "{}",
        daemon.log()
    );
    assert_eq!(count(&out, "a"), 3, "nothing written twice");
}

#[test]
fn sighup_adds_a_source_and_a_broken_config_is_logged_and_the_old_one_kept() {
    let server = Server::start();
    server.set("/a.xml", Reply::ok("application/rss+xml", rss("a", 1)));
    server.set("/b.xml", Reply::ok("application/rss+xml", rss("b", 2)));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), None, &[("a", server.url("/a.xml"))]);
    let out = dir.path().join("out");
    let mut daemon = Daemon::start(&config);
    assert!(
        wait_for(Duration::from_secs(20), || count(&out, "a") == 1),
        "{}",
        daemon.log()
    );

    write_config(
        dir.path(),
        None,
        &[("a", server.url("/a.xml")), ("b", server.url("/b.xml"))],
    );
    daemon.signal("HUP");
    assert!(
        wait_for(Duration::from_secs(10), || count(&out, "b") == 2),
        "the added source: {}",
        daemon.log()
    );

    std::fs::write(
        &config,
        "[defaults]\ninterval = \"soon\"\n[[source]]\nname = \"a\"\n",
    )
    .expect("broken config");
    daemon.signal("HUP");
    assert!(
        wait_for(Duration::from_secs(5), || daemon
            .log()
            .contains("the running one is kept")),
        "{}",
        daemon.log()
    );
    let log = daemon.log();
    assert!(
        log.contains(&format!("{}:2:12:", config.display())),
        "{log}"
    );
    // Still running the old config: both sources keep flowing.
    server.set("/a.xml", Reply::ok("application/rss+xml", rss("a", 2)));
    server.set("/b.xml", Reply::ok("application/rss+xml", rss("b", 3)));
    assert!(
        wait_for(Duration::from_secs(10), || count(&out, "a") == 2
            && count(&out, "b") == 3),
        "{}",
        daemon.log()
    );
    daemon.signal("INT");
    assert_eq!(daemon.wait(Duration::from_secs(6)), Some(0));
}

#[test]
fn a_503_with_retry_after_is_not_asked_again_early_while_others_flow() {
    let server = Server::start();
    server.set("/busy.xml", Reply::status(503).header("retry-after", "4"));
    server.set("/ok.xml", Reply::ok("application/rss+xml", rss("ok", 1)));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        None,
        &[
            ("busy", server.url("/busy.xml")),
            ("ok", server.url("/ok.xml")),
        ],
    );
    let daemon = Daemon::start(&config);
    assert!(
        wait_for(Duration::from_secs(20), || server
            .requests("/busy.xml")
            .len()
            == 1),
        "{}",
        daemon.log()
    );
    let first = Instant::now();
    // Retry-After is 4 s; the others are checked every second meanwhile.
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(server.requests("/busy.xml").len(), 1, "{}", daemon.log());
    assert!(server.requests("/ok.xml").len() >= 3, "{}", daemon.log());
    assert!(
        wait_for(Duration::from_secs(5), || server
            .requests("/busy.xml")
            .len()
            == 2),
        "{}",
        daemon.log()
    );
    assert!(first.elapsed() >= Duration::from_secs(4));
    assert!(daemon.log().contains("fetch: HTTP 503 Service Unavailable"));
}

/// The `/health` entry of `source`.
fn health_of(port: u16, source: &str) -> serde_json::Value {
    let (_, body) = http_get(port, "/health").expect("/health answers");
    let health: serde_json::Value = serde_json::from_str(&body).expect("health JSON");
    health["sources"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == source).cloned())
        .unwrap_or_else(|| panic!("{source} not in {body}"))
}

fn seconds_between(from: &serde_json::Value, to: &serde_json::Value) -> i64 {
    let at = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a time")).expect("RFC 3339")
    };
    (at(to) - at(from)).num_seconds()
}

/// A `Retry-After` longer than `max_interval` is honoured, and so are cache hints; both hold
/// across a restart, while the other sources flow.
#[test]
fn retry_after_and_cache_hints_are_honoured_beyond_max_interval_and_across_a_restart() {
    let server = Server::start();
    server.set(
        "/busy.xml",
        Reply::status(429).header("retry-after", "7200"),
    );
    server.set(
        "/cached.xml",
        Reply::ok("application/rss+xml", rss("cached", 1)).header("cache-control", "max-age=600"),
    );
    server.set("/ok.xml", Reply::ok("application/rss+xml", rss("ok", 1)));
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let sources = [
        ("busy", server.url("/busy.xml")),
        ("cached", server.url("/cached.xml")),
        ("ok", server.url("/ok.xml")),
    ];
    let config = write_config_with(
        dir.path(),
        Some(port),
        "interval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1h\"\n",
        &sources,
    );
    let mut daemon = Daemon::start(&config);
    assert!(
        wait_for(Duration::from_secs(20), || {
            server.requests("/busy.xml").len() == 1 && server.requests("/cached.xml").len() == 1
        }),
        "{}",
        daemon.log()
    );
    // The server saw the requests; the checks finish (records written, health updated) after.
    assert!(
        wait_for(Duration::from_secs(5), || {
            health_of(port, "busy")["consecutive_failures"] == 1
                && health_of(port, "cached")["last_success"].is_string()
        }),
        "{}",
        daemon.log()
    );
    let busy = health_of(port, "busy");
    let waited = seconds_between(&busy["last_failure"], &busy["next_check"]);
    assert!((7200..=7200 * 11 / 10 + 1).contains(&waited), "{busy}");
    let cached = health_of(port, "cached");
    let waited = seconds_between(&cached["last_success"], &cached["next_check"]);
    assert!((600..=661).contains(&waited), "{cached}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(server.requests("/busy.xml").len(), 1, "{}", daemon.log());
    assert_eq!(server.requests("/cached.xml").len(), 1, "{}", daemon.log());
    assert!(server.requests("/ok.xml").len() >= 2, "{}", daemon.log());

    daemon.signal("TERM");
    assert_eq!(
        daemon.wait(Duration::from_secs(6)),
        Some(0),
        "{}",
        daemon.log()
    );
    let ok_before = server.requests("/ok.xml").len();
    let daemon = Daemon::start(&config);
    assert!(
        wait_for(Duration::from_secs(10), || server.requests("/ok.xml").len()
            >= ok_before + 3),
        "{}",
        daemon.log()
    );
    assert_eq!(
        server.requests("/busy.xml").len(),
        1,
        "after a restart: {}",
        daemon.log()
    );
    assert_eq!(
        server.requests("/cached.xml").len(),
        1,
        "after a restart: {}",
        daemon.log()
    );
}

/// A failing source backs off, doubling, beyond `max_interval` (up to 6 hours).
#[test]
fn a_failing_source_backs_off_beyond_max_interval() {
    let server = Server::start();
    server.set("/down.xml", Reply::status(500));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config_with(
        dir.path(),
        None,
        "interval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1s\"\n",
        &[("down", server.url("/down.xml"))],
    );
    let daemon = Daemon::start(&config);
    assert!(
        wait_for(Duration::from_secs(25), || server
            .requests("/down.xml")
            .len()
            >= 4),
        "{}",
        daemon.log()
    );
    let times = server.request_times("/down.xml");
    let gaps: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    // 1 s, 2 s, 4 s, each plus up to a tenth of jitter and a little scheduling time.
    for (gap, expected) in gaps.iter().zip([1.0, 2.0, 4.0]) {
        assert!(
            *gap >= expected * 0.95 && *gap <= expected * 1.1 + 0.5,
            "gaps {gaps:?}: {}",
            daemon.log()
        );
    }
}

/// `interval = "auto"` with items that carry no dates: the configured interval until the
/// arrivals of new items show the cadence, then half of it; both visible in `/health`.
#[test]
fn auto_falls_back_to_the_configured_interval_and_learns_from_arrivals() {
    let server = Server::start();
    server.set(
        "/undated.xml",
        Reply::ok("application/rss+xml", rss("u", 1)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = write_config_with(
        dir.path(),
        Some(port),
        "interval = \"2s\"\nmin_interval = \"1s\"\n",
        &[(
            "undated",
            format!("{}\ninterval = \"auto\"", server.url("/undated.xml")),
        )],
    );
    let daemon = Daemon::start(&config);
    assert!(
        wait_for(Duration::from_secs(20), || server
            .requests("/undated.xml")
            .len()
            == 1),
        "{}",
        daemon.log()
    );
    assert!(
        wait_for(Duration::from_secs(5), || {
            let h = health_of(port, "undated");
            h["interval"] == "2s" && h["interval_from"] == "fallback"
        }),
        "{}",
        daemon.log()
    );
    // A new item before each check: three arrivals about 2 s apart.
    for n in 2..=3 {
        server.set(
            "/undated.xml",
            Reply::ok("application/rss+xml", rss("u", n)),
        );
        assert!(
            wait_for(Duration::from_secs(6), || server
                .requests("/undated.xml")
                .len()
                == n),
            "{}",
            daemon.log()
        );
    }
    assert!(
        wait_for(Duration::from_secs(5), || {
            let h = health_of(port, "undated");
            h["interval"] == "1s" && h["interval_from"] == "arrivals"
        }),
        "{}: {}",
        health_of(port, "undated"),
        daemon.log()
    );
    assert!(
        daemon.log().contains("Interval chosen."),
        "{}",
        daemon.log()
    );
}

#[test]
fn sigterm_exits_0_within_the_grace_period_while_a_check_is_in_flight() {
    // A server that never answers: the check is in flight when SIGTERM comes.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        None,
        &[("stuck", format!("http://127.0.0.1:{port}/feed.xml"))],
    );
    // shutdown_grace needs a [service] table; 2 s here.
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        text.replace(
            "[defaults]",
            "[service]\nshutdown_grace = \"2s\"\n\n[defaults]",
        ),
    )
    .expect("config");
    let mut daemon = Daemon::start(&config);
    let (_conn, _) = listener.accept().expect("the daemon connects");
    let stopped = Instant::now();
    daemon.signal("TERM");
    assert_eq!(
        daemon.wait(Duration::from_secs(5)),
        Some(0),
        "{}",
        daemon.log()
    );
    let took = stopped.elapsed();
    assert!(
        took >= Duration::from_millis(1900),
        "waited for the grace period: {took:?}"
    );
    assert!(
        daemon
            .log()
            .contains("abandoning the checks still in flight"),
        "{}",
        daemon.log()
    );
}

#[test]
fn kill_9_at_many_moments_loses_nothing_and_repeats_nothing() {
    let server = Server::start();
    server.set(
        "/big.xml",
        Reply::ok("application/rss+xml", rss("big", 3000)),
    );
    server.set(
        "/small.xml",
        Reply::ok("application/rss+xml", rss("small", 40)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        None,
        &[
            ("big", server.url("/big.xml")),
            ("small", server.url("/small.xml")),
        ],
    );
    let out = dir.path().join("out");
    // How long one uninterrupted pass over `big` takes here (debug builds are slow, CI machines
    // vary): the kills are placed at fractions of it, densely around the moment it writes.
    let calibration = dir.path().join("calibration");
    let started = Instant::now();
    let pass = Command::new(env!("CARGO_BIN_EXE_nahar"))
        .args(["fetch", "--source", "big", "--out"])
        .arg(&calibration)
        .arg("-c")
        .arg(&config)
        .env("NAHAR_LOG", "warn")
        .output()
        .expect("calibration pass");
    assert_eq!(pass.status.code(), Some(0));
    let one_pass = started.elapsed();
    // The daemon's pass can be slower than the calibration's on a loaded machine: the last
    // moments make sure some kill comes after the whole write.
    let moments = [
        0.05, 0.3, 0.6, 0.8, 0.9, 0.94, 0.97, 0.99, 1.01, 1.03, 1.06, 1.1, 1.3, 2.0, 4.0,
    ];
    let mut progress = Vec::new();
    for (round, fraction) in moments.iter().enumerate() {
        let mut daemon = Daemon::start(&config);
        std::thread::sleep(one_pass.mul_f64(*fraction));
        daemon.signal("KILL");
        assert!(
            daemon.wait(Duration::from_secs(5)).is_some(),
            "round {round}"
        );
        progress.push((
            count(&out, "big"),
            daemon.log().contains("Repaired the output directory"),
        ));
        // Grow the small feed so that later rounds have new items to write too.
        server.set(
            "/small.xml",
            Reply::ok("application/rss+xml", rss("small", 40 + 10 * (round + 1))),
        );
    }
    eprintln!(
        "one pass: {one_pass:?}; records of `big` on disk after each kill, and whether that start repaired: {progress:?}"
    );
    assert!(
        progress.iter().any(|(n, _)| *n == 0) && progress.iter().any(|(n, _)| *n == 3000),
        "the kills span the write of `big`: {progress:?}"
    );
    let finish = Command::new(env!("CARGO_BIN_EXE_nahar"))
        .args(["fetch", "-c"])
        .arg(&config)
        .env("NAHAR_LOG", "warn")
        .output()
        .expect("nahar fetch");
    assert_eq!(
        finish.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&finish.stderr)
    );
    let mut raw = String::new();
    for entry in std::fs::read_dir(out.join("records")).expect("records dir") {
        raw.push_str(&std::fs::read_to_string(entry.expect("entry").path()).expect("read"));
    }
    assert!(raw.is_empty() || raw.ends_with('\n'), "no torn line");
    let all = records(&out);
    let mut ids: Vec<&str> = all.iter().filter_map(|r| r["id"].as_str()).collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "no record written twice");
    assert_eq!(count(&out, "big"), 3000);
    assert_eq!(count(&out, "small"), 40 + 10 * moments.len());
}
