//! Who does which work: the instances of a group and the hosts each holds.
//!
//! In: this instance's id and record, the hosts of the configured sources. Out: the live
//! instances (each one's record in the `INSTANCES` bucket, kept alive by a heartbeat and gone
//! `lease` after the last), which instance a host belongs to ([`owner`], rendezvous hashing:
//! every instance computes the same answer from the same list, and an instance joining or
//! leaving moves only its share of hosts), and the leases themselves in the `LEASES` bucket —
//! taken with create (only if nobody holds the host), renewed and released with
//! compare-and-set on the key's revision, gone `lease` after the last renewal.
//! Never: takes a host another instance holds, or renews a lease whose revision moved (someone
//! else took it after it expired): that lease is lost, and said so.

use std::time::Duration;

use async_nats::jetstream::kv;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Cluster, ClusterError, INSTANCES_BUCKET, LEASES_BUCKET};

/// What an instance says of itself in the `INSTANCES` bucket (`nahar cluster status`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceRecord {
    pub id: String,
    /// The machine it runs on, and its process.
    pub hostname: String,
    pub pid: u32,
    pub version: String,
    pub started: Option<DateTime<Utc>>,
    /// When it last renewed this record.
    pub seen: Option<DateTime<Utc>>,
    /// The hosts it holds, sorted.
    pub hosts: Vec<String>,
    /// Sources on those hosts.
    pub sources: usize,
    /// How far behind its schedule the most overdue of its sources is (seconds).
    pub lag_secs: u64,
}

/// The instance a host belongs to among `instances`: the one with the highest hash of (host,
/// instance). `None` when there is no instance.
pub fn owner<'a>(host: &str, instances: &'a [String]) -> Option<&'a str> {
    instances
        .iter()
        .max_by_key(|instance| {
            let digest = Sha256::new()
                .chain_update(host.as_bytes())
                .chain_update([0])
                .chain_update(instance.as_bytes())
                .finalize();
            let mut first = [0u8; 8];
            first.copy_from_slice(&digest[..8]);
            (u64::from_be_bytes(first), instance.as_str())
        })
        .map(String::as_str)
}

/// What renewing a lease found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewed {
    /// Still ours, at this revision.
    Held(u64),
    /// Expired and gone, or taken by another instance since.
    Lost,
}

/// The group's two buckets.
#[derive(Debug, Clone)]
pub struct Group {
    cluster: Cluster,
    leases: kv::Store,
    instances: kv::Store,
}

impl Group {
    /// Finds or creates the buckets; their keys expire `lease` after their last write.
    pub async fn open(cluster: &Cluster, lease: Duration) -> Result<Group, ClusterError> {
        Ok(Group {
            cluster: cluster.clone(),
            leases: cluster.bucket(LEASES_BUCKET, Some(lease)).await?,
            instances: cluster.bucket(INSTANCES_BUCKET, Some(lease)).await?,
        })
    }

    /// The buckets, for a reader: `None` when no instance ever ran with this prefix.
    pub async fn existing(cluster: &Cluster) -> Result<Option<Group>, ClusterError> {
        let leases = cluster.existing_bucket(LEASES_BUCKET).await?;
        let instances = cluster.existing_bucket(INSTANCES_BUCKET).await?;
        Ok(match (leases, instances) {
            (Some(leases), Some(instances)) => Some(Group {
                cluster: cluster.clone(),
                leases,
                instances,
            }),
            _ => None,
        })
    }

    fn fail(&self, what: &str, err: impl std::fmt::Display) -> ClusterError {
        self.cluster.error(format!("{what}: {err}"))
    }

    /// Writes this instance's record: it is alive for another `lease`.
    pub async fn heartbeat(&self, record: &InstanceRecord) -> Result<(), ClusterError> {
        let json = serde_json::to_vec(record).map_err(|e| self.fail("an instance record", e))?;
        self.instances
            .put(&record.id, Bytes::from(json))
            .await
            .map_err(|e| self.fail("the instance heartbeat", e))?;
        Ok(())
    }

    /// Removes this instance's record (a clean stop): the others rebalance at once.
    pub async fn leave(&self, id: &str) -> Result<(), ClusterError> {
        self.instances
            .purge(id)
            .await
            .map_err(|e| self.fail("leaving the group", e))
    }

    /// The records of the live instances, sorted by id.
    pub async fn instances(&self) -> Result<Vec<InstanceRecord>, ClusterError> {
        let mut keys = self
            .instances
            .keys()
            .await
            .map_err(|e| self.fail("listing the instances", e))?;
        let mut records = Vec::new();
        while let Some(key) = keys.next().await {
            let key = key.map_err(|e| self.fail("listing the instances", e))?;
            let value = self
                .instances
                .get(&key)
                .await
                .map_err(|e| self.fail("reading an instance record", e))?;
            if let Some(value) = value {
                // A record nahar cannot read (a future version's) still counts as an instance.
                let record = serde_json::from_slice(&value).unwrap_or_else(|_| InstanceRecord {
                    id: key.clone(),
                    ..InstanceRecord::default()
                });
                records.push(InstanceRecord { id: key, ..record });
            }
        }
        records.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(records)
    }

    /// Every lease: (host key, holding instance), sorted by host.
    pub async fn holders(&self) -> Result<Vec<(String, String)>, ClusterError> {
        let mut keys = self
            .leases
            .keys()
            .await
            .map_err(|e| self.fail("listing the leases", e))?;
        let mut holders = Vec::new();
        while let Some(key) = keys.next().await {
            let key = key.map_err(|e| self.fail("listing the leases", e))?;
            if let Some(value) = self
                .leases
                .get(&key)
                .await
                .map_err(|e| self.fail("reading a lease", e))?
            {
                holders.push((key, String::from_utf8_lossy(&value).into_owned()));
            }
        }
        holders.sort();
        Ok(holders)
    }

    /// Takes `host` for `me` if nobody holds it: its revision, or `None` when it is held.
    pub async fn acquire(&self, host: &str, me: &str) -> Result<Option<u64>, ClusterError> {
        match self.leases.create(host, Bytes::from(me.to_owned())).await {
            Ok(revision) => Ok(Some(revision)),
            Err(err) if err.kind() == kv::CreateErrorKind::AlreadyExists => Ok(None),
            Err(err) => Err(self.fail(&format!("taking the lease of {host}"), err)),
        }
    }

    /// Renews the lease of `host` held at `revision`.
    pub async fn renew(
        &self,
        host: &str,
        me: &str,
        revision: u64,
    ) -> Result<Renewed, ClusterError> {
        match self
            .leases
            .update(host, Bytes::from(me.to_owned()), revision)
            .await
        {
            Ok(revision) => Ok(Renewed::Held(revision)),
            Err(err) if err.kind() == kv::UpdateErrorKind::WrongLastRevision => Ok(Renewed::Lost),
            Err(err) => Err(self.fail(&format!("renewing the lease of {host}"), err)),
        }
    }

    /// Gives `host` up, if it is still held at `revision`.
    pub async fn release(&self, host: &str, revision: u64) -> Result<(), ClusterError> {
        match self
            .leases
            .purge_expect_revision(host, Some(revision))
            .await
        {
            Ok(()) => Ok(()),
            // Taken by another since: nothing of ours to give up.
            Err(err) if err.kind() == kv::PurgeErrorKind::WrongLastRevision => Ok(()),
            Err(err) => Err(self.fail(&format!("releasing the lease of {host}"), err)),
        }
    }
}

/// This process's id in the group: the machine's name, the process id and the start time, so
/// that a restarted instance is a new one (its predecessor's leases expire on their own).
pub fn instance_id(hostname: &str) -> String {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!(
        "{}-{}-{:x}",
        super::keys::host_key(hostname),
        std::process::id(),
        started & 0xff_ffff
    )
}

/// The machine's name, as the kernel has it.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "nahar".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("instance-{i}")).collect()
    }

    #[test]
    fn every_instance_agrees_and_the_shares_are_even() {
        let instances = names(3);
        let mut shares = [0usize; 3];
        for host in 0..3000 {
            let host = format!("news{host}.example");
            let chosen = owner(&host, &instances).unwrap_or_else(|| panic!("an owner"));
            // Whatever the order of the list.
            let reversed: Vec<String> = instances.iter().rev().cloned().collect();
            assert_eq!(owner(&host, &reversed), Some(chosen));
            let index = instances.iter().position(|i| i == chosen).unwrap_or(9);
            shares[index] += 1;
        }
        for share in shares {
            assert!((850..=1150).contains(&share), "{shares:?}");
        }
        assert_eq!(owner("a", &[]), None);
    }

    #[test]
    fn an_instance_leaving_moves_only_its_own_hosts() {
        let three = names(3);
        let two = names(2);
        for host in 0..1000 {
            let host = format!("h{host}");
            let before = owner(&host, &three);
            if before != Some("instance-2") {
                assert_eq!(owner(&host, &two), before, "{host}");
            }
        }
    }

    #[test]
    fn instance_ids_are_bucket_keys() {
        let id = instance_id("Worker 1.local");
        assert!(id.starts_with("worker_1.local-"), "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
            "{id}"
        );
    }
}
