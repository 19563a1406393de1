//! `[output] kind = "nats"` against a real nats-server with JetStream (installed by
//! `tests/support/nats_server.rs`): every record once on the stream, with its id and revision as
//! `Nats-Msg-Id`; an unreachable server fails the run and marks nothing seen.
#![cfg(feature = "nats")]

use std::path::Path;

use async_nats::jetstream;
use futures_util::StreamExt;

use crate::binary::{Run, nahar};
use crate::nats_server::{NatsCluster, NatsServer};

const FEED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
    <title>t</title><link>https://news.example.co.il/</link>\n\
    <item><guid isPermaLink=\"false\">1</guid><link>https://news.example.co.il/a/1</link>\
    <title>הכנסת אישרה את התקציב בקריאה שנייה ושלישית</title>\
    <description>ההצבעה נמשכה עד שעות הבוקר, והתקציב אושר ברוב של 64 חברי כנסת.</description></item>\n\
    <item><guid isPermaLink=\"false\">2</guid><link>https://news.example.co.il/a/2</link>\
    <title>Knesset passes the budget after an all-night session</title>\
    <description>The vote ran until the early hours of the morning.</description></item>\n\
    <item><guid isPermaLink=\"false\">3</guid><link>https://news.example.co.il/a/3</link>\
    <title>Amos Hochstein נפגש עם ראש הממשלה</title>\
    <description>הפגישה נמשכה שעתיים.</description></item>\n\
    </channel></rss>\n";

/// Writes the feed and a config publishing to `server`, and runs `nahar fetch`.
fn fetch(dir: &Path, server: &str, feed: &str) -> Run {
    fetch_from(dir, &[server.to_owned()], 1, feed)
}

/// Writes the feed and a config publishing to `servers` (a stream of `replicas`), and runs
/// `nahar fetch`.
fn fetch_from(dir: &Path, servers: &[String], replicas: usize, feed: &str) -> Run {
    std::fs::write(dir.join("feed.xml"), feed).expect("feed");
    let servers = servers
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        dir.join("nahar.toml"),
        format!(
            "[output]\nkind = \"nats\"\ndir = \"out\"\n\n[nats]\nservers = [{servers}]\n\
             replicas = {replicas}\n\n[[source]]\nname = \"news\"\nurl = \"file:feed.xml\"\n"
        ),
    )
    .expect("config");
    Run::of(nahar().arg("fetch").arg("-c").arg(dir.join("nahar.toml")))
}

/// Runs a test client's future on a runtime of its own.
fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// Every message of the stream, in order (see [`read_stream`]).
pub fn stream_messages(server: &str) -> Vec<(String, String, serde_json::Value)> {
    block_on(async {
        let client = async_nats::connect(server).await.expect("connect");
        let jetstream = jetstream::new(client);
        let mut stream = jetstream.get_stream("NAHAR_RECORDS").await.expect("stream");
        read_stream(&mut stream).await
    })
}

/// How many messages the stream holds; `None` while there is no stream (or no server).
pub fn stream_len(server: &str) -> Option<u64> {
    block_on(async {
        let client = async_nats::connect(server).await.ok()?;
        let jetstream = jetstream::new(client);
        let mut stream = jetstream.get_stream("NAHAR_RECORDS").await.ok()?;
        Some(stream.info().await.ok()?.state.messages)
    })
}

/// Deletes the buckets of the group's state (what each source and item is known as).
fn delete_state(server: &str) {
    block_on(async {
        let client = async_nats::connect(server).await.expect("connect");
        let jetstream = jetstream::new(client);
        for bucket in ["NAHAR_SEEN", "NAHAR_SOURCES"] {
            jetstream
                .delete_key_value(bucket)
                .await
                .expect("bucket deleted");
        }
    });
}

/// A test client's JetStream context on `server`.
async fn jetstream_of(server: &str) -> jetstream::Context {
    jetstream::new(async_nats::connect(server).await.expect("connect"))
}

/// The bucket of the group's source states.
async fn sources_bucket(jetstream: &jetstream::Context) -> jetstream::kv::Store {
    jetstream
        .get_key_value("NAHAR_SOURCES")
        .await
        .expect("bucket")
}

/// The group's stored state of `source`; the first it stored, and when; when the first of its
/// items was marked seen.
fn source_state(
    server: &str,
    source: &str,
) -> (
    serde_json::Value,
    (serde_json::Value, time::OffsetDateTime),
    time::OffsetDateTime,
) {
    block_on(async {
        let jetstream = jetstream_of(server).await;
        let sources = sources_bucket(&jetstream).await;
        let entry = sources
            .entry(source)
            .await
            .expect("entry")
            .expect("a state");
        let state = serde_json::from_slice(&entry.value).expect("JSON");
        let mut history = sources.history(source).await.expect("history");
        let first = history.next().await.expect("a revision").expect("entry");
        let first = (
            serde_json::from_slice(&first.value).expect("JSON"),
            first.created,
        );
        let seen = jetstream.get_key_value("NAHAR_SEEN").await.expect("bucket");
        let mut keys = seen.keys().await.expect("keys");
        let mut first_seen = None;
        while let Some(key) = keys.next().await {
            let key = key.expect("key");
            let created = seen.entry(key).await.expect("entry").expect("item").created;
            first_seen = Some(first_seen.map_or(created, |t: time::OffsetDateTime| t.min(created)));
        }
        (state, first, first_seen.expect("items seen"))
    })
}

/// Makes the bucket of the sources' states as an operator could, keeping ten values a key
/// (nahar's keeps one) so that a test sees every state stored.
fn make_sources_bucket(server: &str) {
    block_on(async {
        jetstream_of(server)
            .await
            .create_key_value(jetstream::kv::Config {
                bucket: "NAHAR_SOURCES".to_owned(),
                history: 10,
                storage: jetstream::stream::StorageType::File,
                ..Default::default()
            })
            .await
            .expect("bucket");
    });
}

/// Stores `state` as the group's state of `source`, as another writer could have.
fn put_source_state(server: &str, source: &str, state: &str) {
    block_on(async {
        let jetstream = jetstream_of(server).await;
        sources_bucket(&jetstream)
            .await
            .put(source, state.to_owned().into())
            .await
            .expect("stored");
    });
}

/// The stream's messages, in order: (subject, Nats-Msg-Id, record).
async fn read_stream(
    stream: &mut jetstream::stream::Stream,
) -> Vec<(String, String, serde_json::Value)> {
    let info = stream.info().await.expect("info").clone();
    assert_eq!(info.config.subjects, vec!["nahar.records.>".to_owned()]);
    assert_eq!(info.config.storage, jetstream::stream::StorageType::File);
    let mut messages = Vec::new();
    for sequence in info.state.first_sequence..=info.state.last_sequence {
        let message = stream.get_raw_message(sequence).await.expect("message");
        let id = message
            .headers
            .get("Nats-Msg-Id")
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default();
        let record: serde_json::Value =
            serde_json::from_slice(&message.payload).expect("a record as JSON");
        messages.push((message.subject.to_string(), id, record));
    }
    assert_eq!(messages.len() as u64, info.state.messages);
    messages
}

#[test]
fn every_record_reaches_the_stream_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = tempfile::tempdir().expect("tempdir");
    let server = NatsServer::start(store.path());
    make_sources_bucket(&server.url());

    let first = fetch(dir.path(), &server.url(), FEED);
    assert_eq!(first.code, 0, "{first:?}");
    let messages = stream_messages(&server.url());
    assert_eq!(messages.len(), 3, "{messages:?}");
    for (subject, id, record) in &messages {
        assert_eq!(subject, "nahar.records.news");
        assert_eq!(
            *id,
            format!(
                "{}.{}",
                record["id"].as_str().unwrap_or_default(),
                record["revision"]
            ),
        );
        assert!(
            crate::records::problems(record).is_empty(),
            "{:?}",
            crate::records::problems(record)
        );
    }
    assert_eq!(messages[0].2["lang"], "he");
    assert_eq!(messages[1].2["lang"], "en");
    assert_eq!(messages[2].2["mixed"], true);
    // The records are on the stream, not in files.
    assert!(!dir.path().join("out/records").exists());

    // Nothing new: nothing published.
    let again = fetch(dir.path(), &server.url(), FEED);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(stream_messages(&server.url()).len(), 3);

    // The source's first stored state said that it has items, before the first was marked
    // seen: a source whose state does not say so has none to look up.
    let (state, first_state, first_seen) = source_state(&server.url(), "news");
    assert_eq!(state["has_items"], true, "{state}");
    assert_eq!(first_state.0["has_items"], true, "{first_state:?}");
    assert!(first_state.1 < first_seen, "{first_state:?} {first_seen}");
    // A state that does not say (another writer's): the items are looked up, and known.
    put_source_state(&server.url(), "news", "{}");
    let looked_up = fetch(dir.path(), &server.url(), FEED);
    assert!(
        looked_up.stdout.contains("news: 3 unchanged"),
        "{looked_up:?}"
    );
    // A state that says there are none is believed: the items are new to nahar (and their
    // messages copies that the stream drops).
    put_source_state(&server.url(), "news", r#"{"has_items": false}"#);
    let believed = fetch(dir.path(), &server.url(), FEED);
    assert!(believed.stdout.contains("news: 3 new"), "{believed:?}");
    assert_eq!(stream_messages(&server.url()).len(), 3);
    assert_eq!(source_state(&server.url(), "news").0["has_items"], true);

    // An item updated: its new revision, once.
    let updated = FEED.replace("הפגישה נמשכה שעתיים.", "הפגישה נמשכה שלוש שעות.");
    let third = fetch(dir.path(), &server.url(), &updated);
    assert_eq!(third.code, 0, "{third:?}");
    let messages = stream_messages(&server.url());
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[3].2["revision"], 2);
    assert_eq!(messages[3].2["id"], messages[2].2["id"]);
    assert!(messages[3].1.ends_with(".2"), "{:?}", messages[3].1);

    // The state is the cluster's: another machine (another output directory) with the same
    // `[nats]` knows every item.
    assert!(!dir.path().join("out/state").exists());
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let other = fetch(elsewhere.path(), &server.url(), &updated);
    assert_eq!(other.code, 0, "{other:?}");
    assert!(other.stdout.contains("news: 3 unchanged"), "{other:?}");
    assert_eq!(stream_messages(&server.url()).len(), 4);

    // The state lost (its buckets deleted): every item is new again to nahar, and each
    // revision it publishes is one the stream has (same Nats-Msg-Id); the server drops the
    // copies.
    delete_state(&server.url());
    let fourth = fetch(dir.path(), &server.url(), &updated);
    assert_eq!(fourth.code, 0, "{fourth:?}");
    let messages = stream_messages(&server.url());
    assert_eq!(messages.len(), 4);

    // `nahar records export`: the stream as JSON Lines, on stdout or in daily files.
    let config = dir.path().join("nahar.toml");
    let export = |args: &[&str]| {
        Run::of(
            nahar()
                .args(["records", "export", "--from", "nats", "-c"])
                .arg(&config)
                .args(args),
        )
    };
    let all = export(&[]);
    assert_eq!(all.code, 0, "{all:?}");
    let exported: Vec<serde_json::Value> = all.stdout.lines().map(crate::records::parse).collect();
    let published: Vec<serde_json::Value> = messages.into_iter().map(|m| m.2).collect();
    assert_eq!(exported, published);
    assert!(
        all.stderr
            .contains("4 records exported from the NATS stream NAHAR_RECORDS")
    );
    let day = published[0]["ingested"].as_str().unwrap_or_default()[..10].to_owned();
    let files = dir.path().join("export");
    let to_files = export(&["--since", &day, "--out", files.to_str().unwrap_or_default()]);
    assert_eq!(to_files.code, 0, "{to_files:?}");
    let written = crate::records::read_dir(&files);
    assert_eq!(written, published);
    assert!(files.join(format!("{day}.jsonl")).is_file());
    // Nothing is appended to an export.
    let again = export(&["--out", files.to_str().unwrap_or_default()]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
    let later = export(&["--since", "2999-01-01"]);
    assert_eq!((later.code, later.stdout.as_str()), (0, ""), "{later:?}");
    let bad = export(&["--since", "yesterday"]);
    assert_eq!(bad.code, 1, "{bad:?}");
}

#[test]
fn an_unreachable_server_fails_the_run_and_marks_nothing_seen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = tempfile::tempdir().expect("tempdir");
    let server = NatsServer::start(store.path());
    let (url, port) = (server.url(), server.port);
    server.stop();

    let down = fetch(dir.path(), &url, FEED);
    assert_ne!(down.code, 0, "{down:?}");
    assert!(
        down.stderr.contains(&format!("NATS ({url})")) && down.stderr.contains("cannot connect"),
        "{}",
        down.stderr
    );

    // Back: every item is published, none was marked seen without it.
    let server = NatsServer::start_on(store.path(), port);
    let up = fetch(dir.path(), &server.url(), FEED);
    assert_eq!(up.code, 0, "{up:?}");
    assert_eq!(stream_messages(&server.url()).len(), 3);
}

#[test]
fn the_daemon_waits_for_the_server_and_publishes_when_it_is_back() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().expect("tempdir");
    let store = tempfile::tempdir().expect("tempdir");
    // No server yet: the daemon starts all the same and says why nothing leaves.
    let port = NatsServer::free_port();
    let url = format!("nats://127.0.0.1:{port}");
    let service = crate::daemon::free_port();
    std::fs::write(dir.path().join("feed.xml"), FEED).expect("feed");
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        format!(
            "[output]\nkind = \"nats\"\ndir = \"out\"\n\n[nats]\nservers = [\"{url}\"]\n\
             replicas = 1\n\n[service]\nlisten = \"127.0.0.1:{service}\"\n\n\
             [defaults]\ninterval = \"1s\"\nmin_interval = \"1s\"\n\n\
             [[source]]\nname = \"news\"\nurl = \"file:feed.xml\"\n"
        ),
    )
    .expect("config");
    let log = dir.path().join("run.log");
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_nahar"))
        .args(["run", "-c"])
        .arg(&config)
        .env("NAHAR_LOG", "info")
        .env_remove("NAHAR_CONFIG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("nahar run");
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let wait_for = |limit: Duration, mut condition: Box<dyn FnMut() -> bool + '_>| {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline && !condition() {
            std::thread::sleep(Duration::from_millis(100));
        }
        condition()
    };
    let health = || {
        crate::daemon::http_get(service, "/health")
            .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
    };
    assert!(
        wait_for(
            Duration::from_secs(30),
            Box::new(|| health().is_some_and(|h| {
                h["output"]["kind"] == "nats"
                    && h["output"]["error"]
                        .as_str()
                        .is_some_and(|e| e.starts_with(&format!("NATS ({url})")))
                    && h["status"] != "ok"
            }))
        ),
        "{:?}\n{}",
        health(),
        read_log()
    );

    let server = NatsServer::start_on(store.path(), port);
    assert!(
        wait_for(
            Duration::from_secs(40),
            Box::new(|| stream_len(&url) == Some(3))
        ),
        "{}",
        read_log()
    );
    assert!(
        wait_for(
            Duration::from_secs(10),
            Box::new(|| health().is_some_and(|h| h["output"]["error"].is_null()))
        ),
        "{:?}",
        health()
    );

    let metrics = || {
        crate::daemon::http_get(service, "/metrics")
            .map(|(_, body)| body)
            .unwrap_or_default()
    };
    let delivered = metrics();
    for line in [
        "nahar_output_up{kind=\"nats\"} 1",
        "nahar_output_records_total{kind=\"nats\"} 3",
    ] {
        assert!(delivered.lines().any(|l| l == line), "{line}: {delivered}");
    }
    assert!(read_log().contains("Checks resumed"), "{}", read_log());

    // The server goes away; an item changes: checks pause (the source is not blamed), nothing
    // is marked seen.
    server.stop();
    let updated = FEED.replace("הפגישה נמשכה שעתיים.", "הפגישה נמשכה שלוש שעות.");
    std::fs::write(dir.path().join("feed.xml"), &updated).expect("feed");
    assert!(
        wait_for(
            Duration::from_secs(30),
            Box::new(|| read_log().matches("Checks paused").count() == 2
                && health()
                    .is_some_and(|h| h["sources"][0]["checking"] == false
                        && h["output"]["error"].is_string()))
        ),
        "{:?}\n{}",
        health(),
        read_log()
    );
    let checks = || -> u64 {
        metrics()
            .lines()
            .filter(|l| l.starts_with("nahar_fetches_total{source=\"news\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    };
    let before = checks();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(checks(), before, "no check while paused (interval 1 s)");
    assert!(
        metrics()
            .lines()
            .any(|l| l == "nahar_output_up{kind=\"nats\"} 0"),
        "{}",
        metrics()
    );

    // Back: the update is published once, by the daemon's own next check.
    let server = NatsServer::start_on(store.path(), port);
    assert!(
        wait_for(
            Duration::from_secs(40),
            Box::new(|| stream_len(&server.url()) == Some(4))
        ),
        "{}",
        read_log()
    );
    std::thread::sleep(Duration::from_secs(2));
    let messages = stream_messages(&server.url());
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[3].2["revision"], 2);
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    assert!(daemon.wait().is_ok_and(|s| s.success()), "{}", read_log());
}

#[test]
fn a_three_node_cluster_keeps_every_record_through_a_rolling_restart() {
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().expect("tempdir");
    let store = tempfile::tempdir().expect("tempdir");
    let mut cluster = NatsCluster::start(store.path());
    let urls = cluster.urls();
    // A pass fails (and marks nothing seen) while the cluster elects its leaders; the next one
    // publishes. Returns the failed passes' stderr.
    let fetch_until_ok = |feed: &str| -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut failures = Vec::new();
        loop {
            let run = fetch_from(dir.path(), &urls, 3, feed);
            if run.code == 0 {
                return failures;
            }
            assert!(Instant::now() < deadline, "{run:?} after {failures:#?}");
            assert!(run.stderr.contains("NATS ("), "{run:?}");
            failures.push(run.stderr);
            std::thread::sleep(Duration::from_millis(500));
        }
    };
    let failed = fetch_until_ok(FEED);
    eprintln!(
        "cluster started: {} failed passes before the first publish",
        failed.len()
    );
    let survivor = |stopped: usize| urls[(stopped + 1) % 3].clone();
    assert_eq!(stream_messages(&urls[0]).len(), 3);

    // Each node in turn is stopped while an item changes, then started again.
    let mut feed = FEED.to_owned();
    let mut length = "שעתיים";
    for (node, text) in ["שלוש שעות", "ארבע שעות", "חמש שעות"]
        .into_iter()
        .enumerate()
    {
        cluster.stop(node);
        feed = feed.replace(
            &format!("הפגישה נמשכה {length}."),
            &format!("הפגישה נמשכה {text}."),
        );
        length = text;
        let failed = fetch_until_ok(&feed);
        eprintln!(
            "node {node} stopped: {} failed passes before the update was published: {:?}",
            failed.len(),
            failed
                .iter()
                .map(|f| f.lines().last().unwrap_or_default())
                .collect::<Vec<_>>()
        );
        let messages = stream_messages(&survivor(node));
        assert_eq!(messages.len(), 4 + node, "node {node} stopped");
        assert_eq!(messages[3 + node].2["revision"], 2 + node as u64);
        cluster.restart(node);
    }
    // Every revision once, in order, whichever node is asked.
    let messages = stream_messages(&urls[2]);
    let ids: Vec<&str> = messages.iter().map(|m| m.1.as_str()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!((ids.len(), unique.len()), (6, 6), "{ids:?}");
}

#[test]
fn kill_9_of_the_daemon_at_many_moments_leaves_each_revision_once_in_the_stream() {
    use std::process::Command;
    use std::time::{Duration, Instant};

    use crate::daemon::{Daemon, rss, write_config};
    use crate::serve::{Reply, Server};

    let feeds = Server::start();
    feeds.set(
        "/big.xml",
        Reply::ok("application/rss+xml", rss("big", 3000)),
    );
    feeds.set(
        "/small.xml",
        Reply::ok("application/rss+xml", rss("small", 40)),
    );
    let sources = [
        ("big", feeds.url("/big.xml")),
        ("small", feeds.url("/small.xml")),
    ];
    let store = tempfile::tempdir().expect("tempdir");
    let server = NatsServer::start(store.path());

    // How long one pass over `big` takes here, written to files: the kills are placed at
    // fractions of it, densely around the moment it publishes.
    let calibration = tempfile::tempdir().expect("tempdir");
    let files_config = write_config(calibration.path(), None, &sources);
    let started = Instant::now();
    let pass = Command::new(env!("CARGO_BIN_EXE_nahar"))
        .args(["fetch", "--source", "big", "-c"])
        .arg(&files_config)
        .env("NAHAR_LOG", "warn")
        .output()
        .expect("calibration pass");
    assert_eq!(pass.status.code(), Some(0));
    let one_pass = started.elapsed();

    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), None, &sources);
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        text.replacen(
            "[output]\n",
            &format!(
                "[nats]\nservers = [\"{}\"]\nreplicas = 1\nlease = \"2s\"\n\n[output]\nkind = \"nats\"\n",
                server.url()
            ),
            1,
        ),
    )
    .expect("config");

    // Each moment counts from when the daemon took the feeds' host. A killed daemon keeps its
    // lease until it lapses (2 s here): the next one waits for that, then takes the host.
    let moments = [
        0.05, 0.3, 0.6, 0.8, 0.9, 0.94, 0.97, 0.99, 1.01, 1.03, 1.06, 1.1, 1.3, 2.0, 4.0, 8.0,
    ];
    let mut progress = Vec::new();
    for (round, fraction) in moments.iter().enumerate() {
        let mut daemon = Daemon::start(&config);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !daemon.log().contains("Took a host") && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(daemon.log().contains("Took a host"), "{}", daemon.log());
        std::thread::sleep(one_pass.mul_f64(*fraction));
        daemon.signal("KILL");
        assert!(
            daemon.wait(Duration::from_secs(5)).is_some(),
            "round {round}"
        );
        progress.push(stream_len(&server.url()).unwrap_or(0));
        feeds.set(
            "/small.xml",
            Reply::ok("application/rss+xml", rss("small", 40 + 10 * (round + 1))),
        );
    }
    eprintln!("one pass: {one_pass:?}; messages in the stream after each kill: {progress:?}");
    assert!(
        progress.iter().any(|n| *n < 3000) && progress.iter().any(|n| *n >= 3000),
        "the kills span the publishing of `big`: {progress:?}"
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

    let messages = stream_messages(&server.url());
    let small = 40 + 10 * moments.len();
    assert_eq!(
        messages.len(),
        3000 + small,
        "each record once: {progress:?}"
    );
    let mut ids: Vec<&str> = messages.iter().map(|(_, id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), messages.len(), "no Nats-Msg-Id twice");
    for (name, expected) in [("big", 3000), ("small", small)] {
        let subject = format!("nahar.records.{name}");
        assert_eq!(
            messages.iter().filter(|(s, _, _)| *s == subject).count(),
            expected,
            "{name}"
        );
    }
}
