//! Several `nahar run` instances sharing the sources through a three-node NATS cluster: each
//! host is checked by one instance at a time, a killed instance's hosts are taken over within
//! two leases, and every record reaches the stream once through an instance's death, a node's,
//! and a rolling restart of the whole cluster.
#![cfg(feature = "nats")]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::daemon::{Daemon, free_port, http_get, rss};
use crate::nats::{stream_len, stream_messages};
use crate::nats_server::NatsCluster;
use crate::serve::{Reply, Server};

const HOSTS: usize = 10;
const SOURCES_PER_HOST: usize = 30;
const ITEMS: usize = 10;
const LEASE: Duration = Duration::from_secs(3);

/// One instance's config: every source on the ten loopback hosts, its own user agent (so the
/// feed servers can tell the instances apart) and its own `/health` port.
fn write_config(dir: &Path, name: &str, port: u16, nats: &[String], feeds: &[Server]) -> PathBuf {
    let servers = nats
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        "[output]\nkind = \"nats\"\ndir = \"out\"\n\n\
         [nats]\nservers = [{servers}]\nreplicas = 3\nlease = \"{}s\"\n\n\
         [http]\nuser_agent = \"nahar-test-{name}\"\nper_host_delay = \"0s\"\n\
         per_host_concurrency = 4\ntimeout = \"10s\"\n\n\
         [service]\nlisten = \"127.0.0.1:{port}\"\nshutdown_grace = \"5s\"\n\n\
         [defaults]\ninterval = \"2s\"\nmin_interval = \"1s\"\n",
        LEASE.as_secs()
    );
    for (h, feed) in feeds.iter().enumerate() {
        for s in 0..SOURCES_PER_HOST {
            text.push_str(&format!(
                "\n[[source]]\nname = \"h{h}-s{s}\"\nurl = \"{}\"\n",
                feed.url(&format!("/s{s}.xml"))
            ));
        }
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("config");
    path
}

fn set_feeds(feeds: &[Server], items: usize) {
    for (h, feed) in feeds.iter().enumerate() {
        for s in 0..SOURCES_PER_HOST {
            feed.set(
                &format!("/s{s}.xml"),
                // Slow enough that an instance's share of the ingest takes a while.
                Reply::ok("application/rss+xml", rss(&format!("h{h}s{s}"), items))
                    .after(Duration::from_millis(100)),
            );
        }
    }
}

fn health(port: u16) -> Option<serde_json::Value> {
    http_get(port, "/health").and_then(|(_, body)| serde_json::from_str(&body).ok())
}

/// The hosts each instance says it holds (an instance that does not answer holds none).
fn holdings(ports: &[u16]) -> Vec<Vec<String>> {
    ports
        .iter()
        .map(|port| {
            health(*port)
                .and_then(|h| {
                    h["cluster"]["hosts"].as_array().map(|hosts| {
                        hosts
                            .iter()
                            .filter_map(|h| h.as_str().map(str::to_owned))
                            .collect()
                    })
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Every host held by exactly one of the instances, each holding some.
fn balanced(held: &[Vec<String>]) -> bool {
    let all: Vec<&String> = held.iter().flatten().collect();
    let distinct: BTreeSet<&String> = all.iter().copied().collect();
    all.len() == HOSTS && distinct.len() == HOSTS && held.iter().all(|h| !h.is_empty())
}

fn wait_for(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

fn records_published(port: u16) -> u64 {
    http_get(port, "/metrics")
        .map(|(_, body)| body)
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("nahar_output_records_total{"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn three_instances_share_three_hundred_sources_and_publish_each_record_once() {
    let store = tempfile::tempdir().expect("tempdir");
    let mut nats = NatsCluster::start(store.path());
    let urls = nats.urls();
    let feeds: Vec<Server> = (0..HOSTS)
        .map(|h| Server::start_on(&format!("127.0.0.{}", h + 1)))
        .collect();
    // Empty feeds until the instances have shared the hosts out: the ingest then runs with
    // all three, and one of them can be killed in the middle of it.
    set_feeds(&feeds, 0);

    let dir = tempfile::tempdir().expect("tempdir");
    let names = ["a", "b", "c"];
    let ports: Vec<u16> = names.iter().map(|_| free_port()).collect();
    let mut daemons: Vec<Daemon> = names
        .iter()
        .zip(&ports)
        .map(|(name, port)| {
            let home = dir.path().join(name);
            std::fs::create_dir_all(&home).expect("instance dir");
            Daemon::start(&write_config(&home, name, *port, &urls, &feeds))
        })
        .collect();
    let logs = |daemons: &[Daemon]| {
        daemons
            .iter()
            .map(Daemon::log)
            .collect::<Vec<_>>()
            .join("\n----\n")
    };

    assert!(
        wait_for(Duration::from_secs(60), || balanced(&holdings(&ports))),
        "{:?}\n{}\n{}",
        holdings(&ports),
        logs(&daemons),
        nats.logs()
    );
    let shared_out = Instant::now();
    let held = holdings(&ports);
    eprintln!("hosts held: {held:?}");

    // The ingest: kill -9 `c` once it has published part of its share.
    set_feeds(&feeds, ITEMS);
    assert!(
        wait_for(Duration::from_secs(60), || records_published(ports[2]) > 0),
        "{}",
        logs(&daemons)
    );
    daemons[2].signal("KILL");
    let killed = Instant::now();
    let at_kill = stream_len(&urls[0]).unwrap_or(0);
    assert!(daemons[2].wait(Duration::from_secs(5)).is_some());
    assert!(
        at_kill < (HOSTS * SOURCES_PER_HOST * ITEMS) as u64,
        "{at_kill}"
    );

    // Its hosts are taken over by the two others within two leases.
    let survivors = &ports[..2];
    assert!(
        wait_for(LEASE * 4, || {
            let held = holdings(survivors);
            held.iter().flatten().collect::<BTreeSet<_>>().len() == HOSTS
        }),
        "{:?}\n{}",
        holdings(survivors),
        logs(&daemons)
    );
    let takeover = killed.elapsed();
    eprintln!("killed with {at_kill} records in the stream; its hosts taken over in {takeover:?}");
    assert!(takeover <= LEASE * 2, "{takeover:?}");

    let stream_reaches = |total: usize, daemons: &[Daemon]| {
        assert!(
            wait_for(Duration::from_secs(90), || stream_len(&urls[0])
                == Some(total as u64)),
            "{:?} of {total}\n{}",
            stream_len(&urls[0]),
            logs(daemons)
        );
    };

    // A node of the cluster goes; the instances carry on through the two others.
    nats.stop(1);
    stream_reaches(HOSTS * SOURCES_PER_HOST * ITEMS, &daemons);

    // Every feed gains an item.
    set_feeds(&feeds, ITEMS + 1);
    stream_reaches(HOSTS * SOURCES_PER_HOST * (ITEMS + 1), &daemons);

    // A rolling restart of the three nodes, as an operator upgrading the cluster does it (each
    // node back and answering before the next goes), while every feed gains one more item.
    nats.restart(1);
    set_feeds(&feeds, ITEMS + 2);
    for (node, url) in urls.iter().enumerate() {
        assert!(
            wait_for(Duration::from_secs(30), || stream_len(url).is_some()),
            "node {node} before its restart\n{}",
            nats.logs()
        );
        nats.stop(node);
        std::thread::sleep(LEASE);
        nats.restart(node);
    }
    let total = HOSTS * SOURCES_PER_HOST * (ITEMS + 2);
    stream_reaches(total, &daemons);
    // Two more rounds of checks find nothing new.
    std::thread::sleep(Duration::from_secs(4));
    let messages = stream_messages(&urls[0]);
    assert_eq!(messages.len(), total);
    let ids: BTreeSet<&str> = messages.iter().map(|(_, id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), total, "every record once");
    let mut per_source: BTreeMap<String, usize> = BTreeMap::new();
    for (_, _, record) in &messages {
        *per_source
            .entry(record["source"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    assert_eq!(per_source.len(), HOSTS * SOURCES_PER_HOST);
    assert!(
        per_source.values().all(|n| *n == ITEMS + 2),
        "{per_source:?}"
    );

    // While all three ran, no feed was read by two instances.
    for (h, feed) in feeds.iter().enumerate() {
        let mut readers: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (path, agent, at) in feed.log() {
            if at >= shared_out && at < killed {
                readers.entry(path).or_default().insert(agent);
            }
        }
        for (path, agents) in &readers {
            assert_eq!(agents.len(), 1, "127.0.0.{}{path}: {agents:?}", h + 1);
        }
    }

    // `nahar cluster status` lists the two live instances and every host, once the group has
    // settled after the rolling restart (a lease that could not be renewed while its node was
    // down is taken again).
    let status = || {
        let run = crate::binary::Run::of(
            crate::binary::nahar()
                .args(["cluster", "status", "--json", "-c"])
                .arg(dir.path().join("a/a.toml")),
        );
        assert_eq!(run.code, 0, "{run:?}");
        serde_json::from_str::<serde_json::Value>(&run.stdout).expect("json")
    };
    let settled = |listed: &serde_json::Value| {
        let instances = listed["instances"].as_array().cloned().unwrap_or_default();
        let hosts: usize = instances
            .iter()
            .map(|i| i["hosts"].as_array().map_or(0, Vec::len))
            .sum();
        instances.len() == 2 && hosts == HOSTS && listed["unheld"] == serde_json::json!([])
    };
    let mut listed = status();
    assert!(
        wait_for(LEASE * 4, || {
            listed = status();
            settled(&listed)
        }),
        "{listed}\n{}",
        logs(&daemons)
    );

    // SIGTERM releases the leases at once: the last instance takes every host well before a
    // lease would have lapsed.
    daemons[1].signal("TERM");
    assert_eq!(daemons[1].wait(Duration::from_secs(20)), Some(0));
    let exited = Instant::now();
    assert!(
        wait_for(LEASE * 3, || holdings(&ports[..1])
            .first()
            .is_some_and(|h| h.len() == HOSTS)),
        "{}",
        logs(&daemons)
    );
    let handed = exited.elapsed();
    eprintln!("after SIGTERM, the last instance held every host {handed:?} after the other exited");
    assert!(handed < LEASE, "{handed:?}");
    daemons[0].signal("TERM");
    assert_eq!(daemons[0].wait(Duration::from_secs(20)), Some(0));
}
