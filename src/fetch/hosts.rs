//! Per-host politeness: at most `per_host_concurrency` requests in flight to one host, and at
//! least `per_host_delay` between the starts of two requests to it — across every source that
//! lives on that host.
//!
//! In: a host name. Out: a [`HostSlot`] held for the duration of the request.
//! Never: blocks a thread (waiting is async), lets one slow host delay another, or remembers a
//! host it has no reason to: an entry with nothing in flight whose delay has passed is dropped
//! when the map has doubled since the last sweep (every host a followed link ever reached would
//! otherwise stay for the life of the daemon).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
pub(super) struct HostLimits {
    concurrency: usize,
    delay: Duration,
    hosts: Mutex<Hosts>,
}

#[derive(Debug, Default)]
struct Hosts {
    by_name: HashMap<String, Arc<Host>>,
    /// The map's size that triggers the next sweep (twice what the last one kept).
    sweep_at: usize,
}

/// The smallest map that is swept.
const SWEEP_FROM: usize = 256;

#[derive(Debug)]
struct Host {
    in_flight: Arc<Semaphore>,
    /// The earliest moment the next request may start.
    next_start: Mutex<Instant>,
}

/// Held while a request to a host is in flight.
#[derive(Debug)]
pub(super) struct HostSlot {
    /// `None` only if the semaphore were closed, which nahar never does.
    _permit: Option<OwnedSemaphorePermit>,
}

impl HostLimits {
    pub fn new(concurrency: usize, delay: Duration) -> HostLimits {
        HostLimits {
            concurrency: concurrency.max(1),
            delay,
            hosts: Mutex::new(Hosts {
                by_name: HashMap::new(),
                sweep_at: SWEEP_FROM,
            }),
        }
    }

    fn host(&self, name: &str) -> Arc<Host> {
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if hosts.by_name.len() >= hosts.sweep_at {
            let now = Instant::now();
            // A request waiting (it holds the entry) or in flight (it holds a permit), or the
            // next start still ahead: forgetting the host would break its limits.
            let concurrency = self.concurrency;
            hosts.by_name.retain(|_, host| {
                Arc::strong_count(host) > 1
                    || host.in_flight.available_permits() < concurrency
                    || *host
                        .next_start
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        > now
            });
            hosts.sweep_at = (hosts.by_name.len() * 2).max(SWEEP_FROM);
        }
        hosts
            .by_name
            .entry(name.to_owned())
            .or_insert_with(|| {
                Arc::new(Host {
                    in_flight: Arc::new(Semaphore::new(self.concurrency)),
                    next_start: Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// Waits for a free slot on `host`, then for its turn after the previous start.
    pub async fn acquire(&self, host: &str) -> HostSlot {
        let entry = self.host(host);
        let permit = entry.in_flight.clone().acquire_owned().await.ok();
        let start = {
            let mut next = entry
                .next_start
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let start = (*next).max(Instant::now());
            *next = start + self.delay;
            start
        };
        tokio::time::sleep_until(start).await;
        HostSlot { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn starts_to_one_host_are_spaced_and_other_hosts_are_not() {
        let limits = Arc::new(HostLimits::new(4, Duration::from_secs(1)));
        let t0 = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..3 {
            let _slot = limits.acquire("a.example").await;
            starts.push(t0.elapsed());
        }
        let _other = limits.acquire("b.example").await;
        starts.push(t0.elapsed());
        assert_eq!(
            starts,
            [
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(2),
                Duration::from_secs(2)
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn hosts_no_longer_in_use_are_forgotten() {
        let limits = HostLimits::new(1, Duration::from_secs(1));
        let held = limits.acquire("busy.example").await;
        for n in 0..SWEEP_FROM * 4 {
            let _slot = limits.acquire(&format!("h{n}.example")).await;
            tokio::time::advance(Duration::from_millis(100)).await;
        }
        let hosts = limits.hosts.lock().unwrap_or_else(|p| p.into_inner());
        // Swept as it grew: only the hosts whose delay has not passed (the last ten) and the
        // one with a request in flight are kept.
        assert!(
            hosts.by_name.len() < SWEEP_FROM * 2,
            "{}",
            hosts.by_name.len()
        );
        assert!(hosts.by_name.contains_key("busy.example"));
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_bounded_per_host() {
        let limits = Arc::new(HostLimits::new(2, Duration::ZERO));
        let first = limits.acquire("a.example").await;
        let _second = limits.acquire("a.example").await;
        let waiting = {
            let limits = limits.clone();
            tokio::spawn(async move { limits.acquire("a.example").await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished());
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(1), waiting).await;
        assert!(matches!(third, Ok(Ok(_))));
    }
}
