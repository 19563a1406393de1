//! What nahar must never do when it runs for months as a service, often as root: show a secret
//! from a source's URL (in `/health`, the logs, `check`, the summary or an error).

use std::fs::File;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::binary::{Run, nahar};
use crate::daemon::{free_port, http_get};
use crate::serve::{Reply, Server};

/// The secrets the sources' URLs carry; none may appear anywhere nahar shows text.
const SECRETS: [&str; 6] = [
    "alice",
    "S3cretPass",
    "APIKEY123",
    "Hunter2Pass",
    "KEY456",
    "SIG789",
];

fn assert_no_secret(place: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{place} shows the secret {secret:?}:\n{text}"
        );
    }
}

#[test]
fn credentials_in_source_urls_are_never_shown() {
    let server = Server::start();
    server.set("/broken", Reply::status(500));
    server.set(
        "/ok",
        Reply::ok(
            "application/rss+xml",
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
             <item><guid>1</guid><title>One</title><link>https://example.org/a?id=1&amp;key=public</link></item>\
             </channel></rss>",
        ),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let closed = free_port();
    let listen = free_port();
    let port = server.addr.port();
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        format!(
            "[output]\ndir = \"out\"\n\n[http]\nper_host_delay = \"0s\"\ntimeout = \"5s\"\n\n\
             [defaults]\ninterval = \"1s\"\nmin_interval = \"1s\"\n\n\
             [service]\nlisten = \"127.0.0.1:{listen}\"\n\n\
             [[source]]\nname = \"refused\"\nurl = \"http://alice:S3cretPass@127.0.0.1:{closed}/feed?token=APIKEY123\"\n\n\
             [[source]]\nname = \"broken\"\nurl = \"http://alice:Hunter2Pass@127.0.0.1:{port}/broken?api_key=KEY456&page=2\"\n\n\
             [[source]]\nname = \"fine\"\nurl = \"http://alice:S3cretPass@127.0.0.1:{port}/ok?sig=SIG789\"\n"
        ),
    )
    .expect("config");

    // check
    let check = Run::of(nahar().arg("check").arg("-c").arg(&config));
    assert_eq!(check.code, 0, "{check:?}");
    assert_no_secret("check", &format!("{}{}", check.stdout, check.stderr));
    assert!(
        check.stdout.contains(&format!(
            "http://***@127.0.0.1:{port}/broken?api_key=***&page=2"
        )),
        "{}",
        check.stdout
    );

    // fetch: the summary on stdout, text logs at debug on stderr
    let fetch = Run::of(
        nahar()
            .env("NAHAR_LOG", "debug")
            .arg("fetch")
            .arg("-c")
            .arg(&config),
    );
    assert_eq!(fetch.code, 2, "two sources fail: {fetch:?}");
    assert!(fetch.stdout.contains("refused"), "{}", fetch.stdout);
    assert_no_secret("the fetch summary", &fetch.stdout);
    assert_no_secret("the text log", &fetch.stderr);

    // run: JSON logs at debug, /health while the sources fail
    let log = dir.path().join("run.log");
    let mut daemon = nahar()
        .env("NAHAR_LOG", "debug")
        .args(["--log-format", "json", "run", "-c"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(File::create(&log).expect("log"))
        .spawn()
        .expect("nahar run");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut health = String::new();
    while Instant::now() < deadline {
        health = http_get(listen, "/health")
            .map(|(_, body)| body)
            .unwrap_or_default();
        let failing = health.matches("\"consecutive_failures\":").count()
            - health.matches("\"consecutive_failures\":0").count();
        if failing >= 2 && health.contains("\"last_success\":\"") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = daemon.kill();
    let _ = daemon.wait();
    let value: serde_json::Value = serde_json::from_str(&health).expect("/health is JSON");
    let sources = value["sources"].as_array().expect("sources");
    let refused = sources
        .iter()
        .find(|s| s["name"] == "refused")
        .expect("refused");
    assert!(
        refused["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{health}"
    );
    assert_eq!(
        refused["url"],
        format!("http://***@127.0.0.1:{closed}/feed?token=***"),
        "{health}"
    );
    assert_no_secret("/health", &health);
    assert_no_secret("the JSON log", &std::fs::read_to_string(&log).expect("log"));

    // Records keep their own links, as published.
    let records = crate::records::read_dir(&dir.path().join("out/records"));
    assert_eq!(records[0]["url"], "https://example.org/a?id=1&key=public");
}

#[test]
fn text_from_a_feed_cannot_forge_a_summary_or_log_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("feed.json"),
        "{\"version\": \"https://jsonfeed.org/version/9\\nok         forged: 99 new, 0 updated, 0 unchanged\\u001b[31m\\u202e\", \
         \"title\": \"x\", \"items\": [{\"id\": \"1\", \"content_text\": \"hi\"}]}",
    )
    .expect("feed");
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"forge\"\nurl = \"file:feed.json\"\n",
    )
    .expect("config");
    let fetch = Run::of(
        nahar()
            .env("NAHAR_LOG", "info")
            .arg("fetch")
            .arg("-c")
            .arg(&config),
    );
    assert_eq!(fetch.code, 2, "{fetch:?}");
    let lines: Vec<&str> = fetch.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one line for the source, one for the total: {lines:?}"
    );
    assert!(lines[0].starts_with("failed     forge ("), "{lines:?}");
    assert!(
        lines[0].contains("version/9\\nok         forged"),
        "the newline is shown as an escape: {lines:?}"
    );
    for (place, text) in [("summary", &fetch.stdout), ("log", &fetch.stderr)] {
        assert!(!text.contains("\n ok"), "{place}: {text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{place} holds a raw escape or bidi control: {text:?}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("ok ")),
            "{place} has a forged line: {text}"
        );
    }
}

/// An output directory with `records/` made, a feed and a config beside it.
fn output_case() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("feed.xml"),
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
         <item><guid>1</guid><title>One</title><link>https://example.org/1</link></item>\
         </channel></rss>",
    )
    .expect("feed");
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"feed\"\nurl = \"file:feed.xml\"\n",
    )
    .expect("config");
    std::fs::create_dir_all(dir.path().join("out/records")).expect("records dir");
    std::fs::write(dir.path().join("victim"), "precious, no final newline").expect("victim");
    (dir, config)
}

fn today_file() -> String {
    format!(
        "out/records/{}.jsonl",
        chrono::Utc::now().format("%Y-%m-%d")
    )
}

#[cfg(unix)]
#[test]
fn links_in_the_output_directory_are_refused_and_nothing_is_written() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    type Plant = fn(&std::path::Path);
    let cases: [(&str, Plant, &str); 6] = [
        (
            "today's records file a symlink",
            |d| symlink(d.join("victim"), d.join(today_file())).expect("symlink"),
            "is a symbolic link",
        ),
        (
            "an older records file a symlink (the start-up repair)",
            |d| symlink(d.join("victim"), d.join("out/records/2020-01-01.jsonl")).expect("symlink"),
            "is a symbolic link",
        ),
        (
            "a dangling symlink where today's file goes",
            |d| symlink(d.join("created-by-nahar"), d.join(today_file())).expect("symlink"),
            "is a symbolic link",
        ),
        (
            "today's records file a hard link",
            |d| std::fs::hard_link(d.join("victim"), d.join(today_file())).expect("hard link"),
            "has 2 hard links",
        ),
        (
            "the lock a symlink",
            |d| symlink(d.join("victim"), d.join("out/nahar.lock")).expect("symlink"),
            "is a symbolic link",
        ),
        (
            "state/ a symlink to another directory",
            |d| {
                std::fs::create_dir(d.join("elsewhere")).expect("dir");
                symlink(d.join("elsewhere"), d.join("out/state")).expect("symlink")
            },
            "is a symbolic link",
        ),
    ];
    for (case, plant, expected) in cases {
        let (dir, config) = output_case();
        plant(dir.path());
        let fetch = Run::of(nahar().arg("fetch").arg("-c").arg(&config));
        assert_ne!(fetch.code, 0, "{case}: {fetch:?}");
        assert!(
            fetch.stderr.contains(expected) || fetch.stdout.contains(expected),
            "{case}: {fetch:?}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("victim")).expect("victim"),
            "precious, no final newline",
            "{case}"
        );
        assert!(!dir.path().join("created-by-nahar").exists(), "{case}");
        assert!(
            std::fs::read_dir(dir.path().join("elsewhere"))
                .map(|d| d.count() == 0)
                .unwrap_or(true),
            "{case}: nothing written through the state link"
        );
    }

    // An output directory others may write in: refused, by `check` and by `fetch`, saying how
    // to fix it.
    let (dir, config) = output_case();
    let out = dir.path().join("out");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    for command in ["check", "fetch"] {
        let run = Run::of(nahar().arg(command).arg("-c").arg(&config));
        assert_ne!(run.code, 0, "{command}: {run:?}");
        assert!(
            run.stderr
                .contains("writable by group or others (mode 0777)")
                && run.stderr.contains("chmod go-w"),
            "{command}: {run:?}"
        );
    }
    assert!(
        std::fs::read_dir(out.join("records"))
            .expect("records")
            .next()
            .is_none(),
        "nothing written"
    );
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // Owned by another user (only root can give it away; CI runs as root).
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&out, Some(65534), None).expect("chown");
        let check = Run::of(nahar().arg("check").arg("-c").arg(&config));
        assert!(
            check.code != 0 && check.stderr.contains("is owned by uid 65534, not by uid 0"),
            "{check:?}"
        );
        std::os::unix::fs::chown(&out, Some(0), None).expect("chown");
    }
    let fetch = Run::of(nahar().arg("fetch").arg("-c").arg(&config));
    assert_eq!(fetch.code, 0, "{fetch:?}");
    let mode = std::fs::metadata(dir.path().join(today_file()))
        .expect("records file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// A child process killed when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[test]
fn idle_status_clients_stall_neither_ingestion_nor_health() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    const IDLE: usize = 2000;
    // The test itself holds the 2,000 connections.
    let limit = getrlimit(Resource::Nofile);
    if limit
        .current
        .is_some_and(|current| current < 4 * IDLE as u64)
    {
        let maximum = limit.maximum.map(|m| m.max(4 * IDLE as u64));
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(4 * IDLE as u64),
                maximum,
            },
        )
        .expect("the test needs 8,000 open files (it holds 2,000 connections)");
    }
    let server = Server::start();
    server.set(
        "/feed.xml",
        Reply::ok("application/rss+xml", crate::daemon::rss("a", 1)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let listen = free_port();
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        format!(
            "[output]\ndir = \"out\"\n\n[http]\nper_host_delay = \"0s\"\n\n\
             [defaults]\ninterval = \"1s\"\nmin_interval = \"1s\"\n\n\
             [service]\nlisten = \"127.0.0.1:{listen}\"\n\n\
             [[source]]\nname = \"a\"\nurl = \"{}\"\n",
            server.url("/feed.xml")
        ),
    )
    .expect("config");
    let log = dir.path().join("run.log");
    // The usual soft and hard limit of 1,024 open files: nahar cannot raise it.
    let _daemon = Killed(
        std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 1024 && exec \"$0\" run -c \"$1\"")
            .arg(env!("CARGO_BIN_EXE_nahar"))
            .arg(&config)
            .env_remove("NAHAR_CONFIG")
            .env("NAHAR_LOG", "info")
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("log"))
            .spawn()
            .expect("nahar run"),
    );
    let records = || crate::records::read_dir(&dir.path().join("out/records")).len();
    let deadline = Instant::now() + Duration::from_secs(20);
    while records() < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        records(),
        1,
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    let address: std::net::SocketAddr = ([127, 0, 0, 1], listen).into();
    let idle: Vec<std::net::TcpStream> = (0..IDLE)
        .filter_map(|_| std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok())
        .collect();
    assert_eq!(idle.len(), IDLE, "every idle client connected");

    // While they stay open: /health answers without waiting for them, and new items are written.
    server.set(
        "/feed.xml",
        Reply::ok("application/rss+xml", crate::daemon::rss("a", 2)),
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut slowest = Duration::ZERO;
    while records() < 2 && Instant::now() < deadline {
        let asked = Instant::now();
        let (code, body) = http_get(listen, "/health").expect("/health answers");
        slowest = slowest.max(asked.elapsed());
        assert_eq!(code, 200, "{body}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(records(), 2, "the new item is written: {log_text}");
    // A /health that waited behind the idle clients would take the server's header timeout
    // (they send nothing until it cuts them off); half of it leaves room for a loaded machine
    // (a 1 s bound failed once while both cores were compiling) and still tells a stall.
    let stalled = nahar::daemon::service::HEADER_READ_TIMEOUT;
    assert!(slowest < stalled / 2, "/health took {slowest:?}");
    assert!(!log_text.contains("Too many open files"), "{log_text}");
    drop(idle);
}

#[test]
fn a_public_source_cannot_redirect_nahar_to_a_private_address() {
    let server = Server::start();
    let port = server.addr.port();
    let feed = |title: &str| {
        Reply::ok(
            "application/rss+xml",
            format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
                 <item><guid>1</guid><title>{title}</title></item></channel></rss>"
            ),
        )
    };
    server.set(
        "/public",
        Reply::status(302).header("location", &format!("http://127.0.0.1:{port}/secret")),
    );
    server.set(
        "/intranet",
        Reply::status(302).header("location", &format!("http://localhost:{port}/moved")),
    );
    server.set("/secret", feed("internal metadata"));
    server.set("/moved", feed("intranet news"));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("nahar.toml");
    // 8.8.8.8 is never dialled: `HTTP_PROXY` sends the source's request to the test server,
    // which is how a source on a public address can be staged on loopback.
    std::fs::write(
        &config,
        format!(
            "[output]\ndir = \"out\"\n\n[http]\nper_host_delay = \"0s\"\n\n\
             [[source]]\nname = \"public\"\nurl = \"http://8.8.8.8/public\"\n\n\
             [[source]]\nname = \"intranet\"\nurl = \"http://127.0.0.1:{port}/intranet\"\n"
        ),
    )
    .expect("config");
    let fetch = Run::of(
        nahar()
            .env("HTTP_PROXY", server.url(""))
            .env("http_proxy", server.url(""))
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .arg("fetch")
            .arg("-c")
            .arg(&config),
    );
    assert_eq!(fetch.code, 2, "{fetch:?}");
    let public = fetch
        .stdout
        .lines()
        .find(|l| l.contains(" public "))
        .unwrap_or_else(|| panic!("no line for the public source: {fetch:?}"));
    assert!(public.starts_with("failed"), "{public}");
    assert!(
        public.contains(&format!(
            "a redirect to http://127.0.0.1:{port}/secret: 127.0.0.1 is a loopback address; \
             set [http] allow_private_links = true to allow it"
        )),
        "{public}"
    );
    assert!(
        server.requests("/secret").is_empty(),
        "the private hop was never asked"
    );
    assert_eq!(server.requests("/public").len(), 1);
    let records = crate::records::read_dir(&dir.path().join("out/records"));
    let titles: Vec<&str> = records.iter().filter_map(|r| r["title"].as_str()).collect();
    assert_eq!(titles, ["intranet news"], "{fetch:?}");
}

/// A character reference as SPEC's N0 reads one: `&#…;`, `&#x…;` or `&name;`, the `&` not glued to
/// a letter or digit before it.
fn references_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices('&') {
        let glued = text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let rest = &text[at + 1..];
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .unwrap_or(rest.len());
        if !glued && name_len > 0 && rest[name_len..].starts_with(';') {
            found.push(format!("&{};", &rest[..name_len]));
        }
    }
    found
}

#[test]
fn no_entity_reference_reaches_a_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Undefined entities, one from a DTD nahar does not expand, HTML names an XML feed uses
    // without defining them, fields escaped twice and three times, numbers.
    std::fs::write(
        dir.path().join("feed.xml"),
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY lol \"lol\"><!ENTITY lol9 \"&lol;&lol;\">]>\n\
         <rss version=\"2.0\"><channel><title>t</title>\n\
         <item><guid>1</guid><title>Hello &xxe; world &lol9;</title>\
         <description>Body &xxe; and &amp;bogus; end</description></item>\n\
         <item><guid>2</guid><title>&amp;eacute;t&amp;eacute; &amp;#1513;&#1500;&amp;#x5d5;&#x5DD;</title>\
         <description>caf&eacute; &amp;copy 2026 &amp;#147;quoted&amp;#148; R&amp;D; AT&amp;T</description></item>\n\
         <item><guid>3</guid><title>Script &amp;amp;lt;script&amp;amp;gt; tag</title>\
         <description>&lt;p&gt;A &amp;amp;lt;b&amp;amp;gt; B&lt;/p&gt;</description></item>\n\
         </channel></rss>\n",
    )
    .expect("feed");
    std::fs::write(
        dir.path().join("feed.json"),
        "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"j\",\"items\":[\
         {\"id\":\"1\",\"title\":\"Tom &amp; Jerry\",\"content_html\":\"<p>Hi &xxe; &amp;lt;x&amp;gt;</p>\",\
          \"authors\":[{\"name\":\"Jos&eacute; &xxe;\"}]}]}",
    )
    .expect("json feed");
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"rss\"\nurl = \"file:feed.xml\"\n\n\
         [[source]]\nname = \"json\"\nurl = \"file:feed.json\"\n",
    )
    .expect("config");
    let fetch = Run::of(nahar().arg("fetch").arg("-c").arg(&config));
    assert_eq!(fetch.code, 0, "{fetch:?}");
    let records = crate::records::read_dir(&dir.path().join("out/records"));
    assert_eq!(records.len(), 4, "{fetch:?}");
    let mut seen = std::collections::HashMap::new();
    for record in &records {
        let mut texts = vec![
            record["title"].as_str().unwrap_or_default().to_owned(),
            record["text"].as_str().unwrap_or_default().to_owned(),
            record["author"].as_str().unwrap_or_default().to_owned(),
        ];
        for segment in record["segments"].as_array().into_iter().flatten() {
            texts.push(segment["text"].as_str().unwrap_or_default().to_owned());
        }
        for text in &texts {
            assert!(references_in(text).is_empty(), "{text:?} in {record}");
        }
        let warned = record["warnings"]
            .as_array()
            .is_some_and(|w| w.iter().any(|w| w == "undefined_entities_removed"));
        seen.insert(
            format!(
                "{}/{}",
                record["source"].as_str().unwrap_or_default(),
                record["title"].as_str().unwrap_or_default()
            ),
            (texts, warned),
        );
    }
    let expect = |key: &str, text: &str, warned: bool| {
        let (texts, was_warned) = seen
            .get(key)
            .unwrap_or_else(|| panic!("no record {key}: {:?}", seen.keys()));
        assert!(texts.iter().any(|t| t == text), "{key}: {texts:?}");
        assert_eq!(*was_warned, warned, "{key}: undefined_entities_removed");
    };
    expect("rss/Hello world", "Body and end", true);
    // The characters the author meant: HTML names, numbers (C1 numbers as windows-1252), and
    // an `&` that starts no reference kept.
    expect("rss/été שלום", "café © 2026 “quoted” R&D; AT&T", false);
    expect("rss/Script <script> tag", "A <b> B", false);
    expect("json/Tom & Jerry", "Hi <x>", true);
    expect("json/Tom & Jerry", "José", true);
}
