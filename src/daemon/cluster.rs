//! The daemon's share of a group's work (`[output] kind = "nats"`): which hosts it may check.
//!
//! In: the configured sources (their hosts), the cluster, its shared state, and word from the
//! scheduler that a host's checks are over. Out: [`LeaseEvent`]s for the scheduler — a host
//! taken (its sources' state just read from the cluster), lost, or to be handed over — and
//! [`Membership::may_check`], which the scheduler asks before every check. A keeper task renews
//! this instance's record and leases every third of `lease`, and moves hosts to the instance
//! rendezvous hashing names for them: when instances join or leave, each ends up with about its
//! share, and only the hosts that must move do.
//! Never: lets a check start on a host whose lease may have lapsed (a lease counts until three
//! quarters of `lease` after the renewal was sent, and the server keeps it a whole `lease` after
//! it arrived), or gives a host up before its checks are over and its sources' state stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[cfg(feature = "nats")]
use tokio::sync::watch;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// What the keeper tells the scheduler about a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseEvent {
    /// Taken, and its sources' state read: schedule them from it.
    Acquired(String),
    /// Lapsed or taken by another instance: start nothing more there.
    Lost(String),
    /// Another instance should have it: finish its checks, then say [`Membership::drained`].
    Drain(String),
}

/// What `/health` and `/metrics` show of the group.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GroupView {
    pub instance: String,
    /// Live instances, this one included.
    pub instances: usize,
    /// The hosts this instance holds, sorted.
    pub hosts: Vec<String>,
    pub acquired: u64,
    pub lost: u64,
    pub released: u64,
    /// Why the last renewal round failed, while it does.
    pub error: Option<String>,
}

/// The scheduler's side of the keeper.
#[derive(Debug)]
pub struct Membership {
    /// Host → until when a check may start there.
    valid: Arc<Mutex<HashMap<String, Instant>>>,
    /// Source → its host.
    host_of: HashMap<String, String>,
    /// The keeper's view of the config: host → its sources.
    #[cfg(feature = "nats")]
    hosts: watch::Sender<HashMap<String, Vec<String>>>,
    drained: mpsc::UnboundedSender<String>,
    /// How far behind its schedule the instance is, for its record.
    lag: Arc<Mutex<Duration>>,
    stop: Option<oneshot::Sender<oneshot::Sender<()>>>,
}

impl Membership {
    /// The host of `source` (`None` for a source unknown to the last config given).
    pub fn host_of(&self, source: &str) -> Option<&str> {
        self.host_of.get(source).map(String::as_str)
    }

    /// Whether a check of `source` may start now.
    pub fn may_check(&self, source: &str) -> bool {
        let Some(host) = self.host_of(source) else {
            return false;
        };
        let now = Instant::now();
        self.valid
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(host)
            .is_some_and(|until| *until > now)
    }

    /// The scheduler finished every check of `host` after a [`LeaseEvent::Drain`].
    pub fn drained(&self, host: &str) {
        let _ = self.drained.send(host.to_owned());
    }

    /// How far behind schedule the most overdue source is.
    pub fn set_lag(&self, lag: Duration) {
        *self
            .lag
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = lag;
    }

    /// Releases every lease and leaves the group (a clean stop): the others take the hosts at
    /// once instead of after `lease`. Waits at most a few seconds.
    pub async fn leave(&mut self) {
        let Some(stop) = self.stop.take() else {
            return;
        };
        let (done, left) = oneshot::channel();
        if stop.send(done).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(10), left).await;
        }
    }
}

#[cfg(feature = "nats")]
pub use keeper::start;

#[cfg(feature = "nats")]
mod keeper {
    use futures_util::StreamExt;

    use super::*;
    use crate::cluster::leases::{Group, InstanceRecord, Renewed, hostname, instance_id, owner};
    use crate::cluster::{Cluster, source_host};
    use crate::config::Config;
    use crate::daemon::Status;
    use crate::state::SharedState;

    /// Leases renewed or taken at once.
    const IN_FLIGHT: usize = 64;

    /// Runs `futures`, [`IN_FLIGHT`] at a time; their outputs in the order they finish.
    async fn bounded<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
        let futures: Vec<F> = futures.collect();
        futures_util::stream::iter(futures)
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await
    }

    /// Host → its sources' names, for `config`.
    fn hosts(config: &Config) -> HashMap<String, Vec<String>> {
        let mut hosts: HashMap<String, Vec<String>> = HashMap::new();
        for source in &config.sources {
            hosts
                .entry(source_host(source))
                .or_default()
                .push(source.name.clone());
        }
        hosts
    }

    impl Membership {
        /// A new config: its hosts are what the keeper balances from now on.
        pub fn reconfigure(&mut self, config: &Config) {
            self.host_of = config
                .sources
                .iter()
                .map(|s| (s.name.clone(), source_host(s)))
                .collect();
            self.hosts.send_replace(hosts(config));
        }
    }

    /// One held lease.
    #[derive(Debug, Clone, Copy)]
    struct Held {
        revision: u64,
        draining: bool,
    }

    struct Keeper {
        cluster: Cluster,
        state: SharedState,
        lease: Duration,
        me: InstanceRecord,
        group: Option<Group>,
        held: HashMap<String, Held>,
        valid: Arc<Mutex<HashMap<String, Instant>>>,
        hosts: watch::Receiver<HashMap<String, Vec<String>>>,
        events: mpsc::UnboundedSender<LeaseEvent>,
        lag: Arc<Mutex<Duration>>,
        status: Arc<Status>,
        view: GroupView,
    }

    /// Joins the group of `cluster`: spawns the keeper, and gives the scheduler its side and
    /// the stream of events.
    pub fn start(
        cluster: Cluster,
        state: SharedState,
        config: &Config,
        status: Arc<Status>,
    ) -> (Membership, mpsc::UnboundedReceiver<LeaseEvent>) {
        let lease = cluster.config().lease;
        let valid = Arc::new(Mutex::new(HashMap::new()));
        let lag = Arc::new(Mutex::new(Duration::ZERO));
        let (hosts_sender, hosts_receiver) = watch::channel(hosts(config));
        let (events, received) = mpsc::unbounded_channel();
        let (drained_sender, drained) = mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel();
        let machine = hostname();
        let me = InstanceRecord {
            id: instance_id(&machine),
            hostname: machine,
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            started: Some(chrono::Utc::now()),
            ..InstanceRecord::default()
        };
        tracing::info!(instance = %me.id, lease_s = lease.as_secs_f64(), "Joining the group.");
        let keeper = Keeper {
            view: GroupView {
                instance: me.id.clone(),
                ..GroupView::default()
            },
            cluster,
            state,
            lease,
            me,
            group: None,
            held: HashMap::new(),
            valid: Arc::clone(&valid),
            hosts: hosts_receiver,
            events,
            lag: Arc::clone(&lag),
            status,
        };
        tokio::spawn(keeper.run(drained, stopped));
        let mut membership = Membership {
            valid,
            host_of: HashMap::new(),
            hosts: hosts_sender,
            drained: drained_sender,
            lag,
            stop: Some(stop),
        };
        membership.reconfigure(config);
        (membership, received)
    }

    impl Keeper {
        async fn run(
            mut self,
            mut drained: mpsc::UnboundedReceiver<String>,
            mut stopped: oneshot::Receiver<oneshot::Sender<()>>,
        ) {
            let every = self.lease / 3;
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => self.tick().await,
                    Some(host) = drained.recv() => self.release(&host).await,
                    done = &mut stopped => {
                        self.leave().await;
                        if let Ok(done) = done {
                            let _ = done.send(());
                        }
                        return;
                    }
                }
            }
        }

        fn publish_view(&mut self) {
            let mut hosts: Vec<String> = self.held.keys().cloned().collect();
            hosts.sort();
            self.view.hosts = hosts;
            *self
                .status
                .group
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(self.view.clone());
        }

        fn set_valid(&self, host: &str, until: Option<Instant>) {
            let mut valid = self
                .valid
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match until {
                Some(until) => {
                    valid.insert(host.to_owned(), until);
                }
                None => {
                    valid.remove(host);
                }
            }
        }

        /// One round: heartbeat, renewals, hand-overs, takes.
        async fn tick(&mut self) {
            // A request lost in a reconnection may never be answered: a round that outlasts
            // the lease is given up (a lease taken in it lapses on its own).
            let outcome = match tokio::time::timeout(self.lease, self.round()).await {
                Ok(outcome) => outcome.map_err(|e| e.to_string()),
                Err(_) => Err(format!(
                    "the cluster did not answer within the lease ({} s)",
                    self.lease.as_secs_f64()
                )),
            };
            self.view.error = outcome.err();
            if let Some(error) = &self.view.error {
                tracing::warn!("The group's leases could not be kept up: {error}");
            }
            // Whatever failed, a lease past its time is not ours to use.
            let now = Instant::now();
            let lapsed: Vec<String> = {
                let valid = self
                    .valid
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                self.held
                    .keys()
                    .filter(|host| valid.get(*host).is_none_or(|until| *until <= now))
                    .cloned()
                    .collect()
            };
            for host in lapsed {
                self.lose(&host, "not renewed in time");
            }
            self.publish_view();
        }

        async fn round(&mut self) -> Result<(), crate::cluster::ClusterError> {
            if self.group.is_none() {
                self.group = Some(Group::open(&self.cluster, self.lease).await?);
            }
            let Some(group) = self.group.clone() else {
                return Ok(());
            };
            let hosts = self.hosts.borrow().clone();
            self.me.seen = Some(chrono::Utc::now());
            self.me.hosts = {
                let mut held: Vec<String> = self.held.keys().cloned().collect();
                held.sort();
                held
            };
            self.me.sources = self
                .held
                .keys()
                .filter_map(|host| hosts.get(host))
                .map(Vec::len)
                .sum();
            self.me.lag_secs = self
                .lag
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .as_secs();
            group.heartbeat(&self.me).await?;
            let mut instances: Vec<String> =
                group.instances().await?.into_iter().map(|i| i.id).collect();
            if !instances.contains(&self.me.id) {
                instances.push(self.me.id.clone());
            }
            self.view.instances = instances.len();

            // Renew what is held.
            let sent = Instant::now();
            let me = self.me.id.clone();
            let renewals = bounded(self.held.iter().map(|(host, held)| {
                let (group, me, host, revision) =
                    (group.clone(), me.clone(), host.clone(), held.revision);
                async move {
                    let renewed = group.renew(&host, &me, revision).await;
                    (host, renewed)
                }
            }))
            .await;
            let until = sent + self.lease * 3 / 4;
            let mut failure = None;
            for (host, renewed) in renewals {
                match renewed {
                    Ok(Renewed::Held(revision)) => {
                        if let Some(held) = self.held.get_mut(&host) {
                            held.revision = revision;
                        }
                        self.set_valid(&host, Some(until));
                    }
                    Ok(Renewed::Lost) => self.lose(&host, "taken by another instance"),
                    Err(err) => {
                        failure.get_or_insert(err);
                    }
                }
            }

            // Hand over what belongs elsewhere now (or is no longer configured).
            for (host, held) in &mut self.held {
                let mine = hosts.contains_key(host)
                    && owner(host, &instances) == Some(self.me.id.as_str());
                if !mine && !held.draining {
                    held.draining = true;
                    tracing::info!(host = %host, "Handing a host over to another instance.");
                    let _ = self.events.send(LeaseEvent::Drain(host.clone()));
                }
            }

            // Take what is ours and free.
            let wanted: Vec<String> = hosts
                .keys()
                .filter(|host| !self.held.contains_key(*host))
                .filter(|host| owner(host, &instances) == Some(self.me.id.as_str()))
                .cloned()
                .collect();
            let taken = bounded(wanted.into_iter().map(|host| {
                let (group, me) = (group.clone(), me.clone());
                async move {
                    let taken = group.acquire(&host, &me).await;
                    (host, taken)
                }
            }))
            .await;
            let until = Instant::now() + self.lease * 3 / 4;
            for (host, taken) in taken {
                match taken {
                    Ok(Some(revision)) => {
                        let sources = hosts.get(&host).cloned().unwrap_or_default();
                        if let Err(err) = self.state.load_sources(&sources).await {
                            // Without its state a host cannot be checked: give it back.
                            tracing::warn!(host = %host, "Could not read the state of a host's sources: {err}");
                            let _ = group.release(&host, revision).await;
                            continue;
                        }
                        self.held.insert(
                            host.clone(),
                            Held {
                                revision,
                                draining: false,
                            },
                        );
                        self.set_valid(&host, Some(until));
                        self.view.acquired += 1;
                        tracing::info!(host = %host, sources = sources.len(), "Took a host.");
                        let _ = self.events.send(LeaseEvent::Acquired(host));
                    }
                    Ok(None) => {}
                    Err(err) => {
                        failure.get_or_insert(err);
                    }
                }
            }
            failure.map_or(Ok(()), Err)
        }

        fn lose(&mut self, host: &str, why: &str) {
            if self.held.remove(host).is_none() {
                return;
            }
            self.set_valid(host, None);
            let sources = self.hosts.borrow().get(host).cloned().unwrap_or_default();
            self.state.forget_sources(&sources);
            self.view.lost += 1;
            tracing::warn!(host = %host, "Lost a host's lease: {why}.");
            let _ = self.events.send(LeaseEvent::Lost(host.to_owned()));
        }

        /// Stores the host's sources' state and gives its lease up.
        async fn release(&mut self, host: &str) {
            let Some(held) = self.held.get(host).copied() else {
                return;
            };
            self.set_valid(host, None);
            let sources = self.hosts.borrow().get(host).cloned().unwrap_or_default();
            let stored = tokio::time::timeout(self.lease, self.state.store_sources(Some(&sources)));
            match stored.await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => {
                    tracing::warn!(host = %host, "Could not store the state of a host's sources before handing it over: {err}")
                }
                Err(_) => {
                    tracing::warn!(host = %host, "Could not store the state of a host's sources before handing it over: no answer within the lease")
                }
            }
            self.state.forget_sources(&sources);
            if let Some(group) = &self.group {
                // Unreleased, it lapses on its own after `lease`.
                match tokio::time::timeout(self.lease, group.release(host, held.revision)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => tracing::warn!(host = %host, "{err}"),
                    Err(_) => {
                        tracing::warn!(host = %host, "Releasing the lease: no answer within the lease")
                    }
                }
            }
            self.held.remove(host);
            self.view.released += 1;
            self.publish_view();
        }

        /// A clean stop: every lease released, the instance's record removed.
        async fn leave(&mut self) {
            let hosts: Vec<String> = self.held.keys().cloned().collect();
            for host in hosts {
                self.release(&host).await;
            }
            if let Some(group) = &self.group
                && let Err(err) = group.leave(&self.me.id).await
            {
                tracing::warn!("{err}");
            }
            tracing::info!(instance = %self.me.id, "Left the group.");
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn sources_count_under_their_host() {
            let config = crate::config::parse(
                "[[source]]\nname = \"a\"\nurl = \"https://News.example/rss\"\n\
                 [[source]]\nname = \"b\"\nurl = \"https://news.example:8443/atom\"\n\
                 [[source]]\nname = \"c\"\nurl = \"file:feed.xml\"\n",
                std::path::Path::new("/etc/nahar/nahar.toml"),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let hosts = hosts(&config);
            let mut news = hosts.get("news.example").cloned().unwrap_or_default();
            news.sort();
            assert_eq!(news, ["a", "b"]);
            assert_eq!(hosts.get("file").map(Vec::len), Some(1));
        }
    }
}

/// The sources on `host`.
pub fn sources_on<'a>(
    membership: &'a Membership,
    host: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    membership
        .host_of
        .iter()
        .filter(move |(_, h)| h.as_str() == host)
        .map(|(source, _)| source.as_str())
}
