//! The daemon's counters, and their Prometheus text exposition (`GET /metrics`).
//!
//! In: one [`SourceReport`] per finished check, the backoff the scheduler chose, and what the
//! output delivered ([`OutputMetrics`]). Out: the Prometheus text format (version 0.0.4), every
//! name prefixed `nahar_`, labelled by source (the output's series by its kind).
//! Never: blocks a check (a short mutex, no I/O), or keeps series for sources removed by a
//! reload.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use super::cluster::GroupView;
use crate::pipeline::{DELIVERY_BUCKETS, Deliveries};
use crate::report::SourceReport;

/// Upper bounds of the fetch-duration histogram, in seconds.
const BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

#[derive(Debug, Default, Clone)]
struct SourceMetrics {
    ok: u64,
    not_modified: u64,
    failed: u64,
    records_written: u64,
    bytes: u64,
    /// Count per bucket (not cumulative; summed when rendered).
    buckets: [u64; BUCKETS.len()],
    duration_sum: f64,
    duration_count: u64,
    backoff_seconds: f64,
}

/// What `/metrics` shows of the output: where records go (`files`, `stdout`, `nats`), whether
/// they can leave now, and what was delivered.
#[derive(Debug, Clone)]
pub struct OutputMetrics {
    pub kind: &'static str,
    pub up: bool,
    pub deliveries: Deliveries,
}

/// Counters of every source, shared by the scheduler and the HTTP endpoint.
#[derive(Debug, Default)]
pub struct Metrics {
    sources: Mutex<BTreeMap<String, SourceMetrics>>,
}

impl Metrics {
    /// Counts one finished check; `backoff` is the delay chosen after a failure (zero after a
    /// success).
    pub fn observe(&self, report: &SourceReport, backoff: Duration) {
        let mut sources = self
            .sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let source = sources.entry(report.source.clone()).or_default();
        if report.failed() {
            source.failed += 1;
        } else if report.not_modified {
            source.not_modified += 1;
        } else {
            source.ok += 1;
        }
        source.records_written += report.counts.written() as u64;
        source.bytes += report.bytes;
        let seconds = report.elapsed.as_secs_f64();
        if let Some(bucket) = BUCKETS.iter().position(|le| seconds <= *le) {
            source.buckets[bucket] += 1;
        }
        source.duration_sum += seconds;
        source.duration_count += 1;
        source.backoff_seconds = if report.failed() {
            backoff.as_secs_f64()
        } else {
            0.0
        };
    }

    /// Keeps only the series of `names` (after a reload removed sources).
    pub fn retain(&self, names: &std::collections::HashSet<&str>) {
        self.sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|name, _| names.contains(name.as_str()));
    }

    /// The Prometheus text exposition.
    pub fn render(
        &self,
        sources_configured: usize,
        output: &OutputMetrics,
        group: Option<&GroupView>,
    ) -> String {
        let sources = self
            .sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let mut out = String::new();
        let mut family =
            |name: &str, kind: &str, help: &str, lines: &mut dyn FnMut(&mut String)| {
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} {kind}");
                lines(&mut out);
            };
        family(
            "nahar_sources",
            "gauge",
            "Sources in the running configuration.",
            &mut |out| {
                let _ = writeln!(out, "nahar_sources {sources_configured}");
            },
        );
        family(
            "nahar_fetches_total",
            "counter",
            "Checks of a source, by outcome (ok, not_modified, error).",
            &mut |out| {
                for (name, m) in &sources {
                    for (outcome, n) in [
                        ("ok", m.ok),
                        ("not_modified", m.not_modified),
                        ("error", m.failed),
                    ] {
                        let _ = writeln!(
                            out,
                            "nahar_fetches_total{{source=\"{name}\",outcome=\"{outcome}\"}} {n}"
                        );
                    }
                }
            },
        );
        family(
            "nahar_not_modified_total",
            "counter",
            "Checks answered 304 Not Modified.",
            &mut |out| {
                for (name, m) in &sources {
                    let _ = writeln!(
                        out,
                        "nahar_not_modified_total{{source=\"{name}\"}} {}",
                        m.not_modified
                    );
                }
            },
        );
        family(
            "nahar_records_written_total",
            "counter",
            "Records written (new items and new revisions).",
            &mut |out| {
                for (name, m) in &sources {
                    let _ = writeln!(
                        out,
                        "nahar_records_written_total{{source=\"{name}\"}} {}",
                        m.records_written
                    );
                }
            },
        );
        family(
            "nahar_fetch_bytes_total",
            "counter",
            "Bytes read from sources, after decompression.",
            &mut |out| {
                for (name, m) in &sources {
                    let _ = writeln!(
                        out,
                        "nahar_fetch_bytes_total{{source=\"{name}\"}} {}",
                        m.bytes
                    );
                }
            },
        );
        family(
            "nahar_fetch_duration_seconds",
            "histogram",
            "Time of a whole check: fetch, parse, analysis and write.",
            &mut |out| {
                for (name, m) in &sources {
                    let mut cumulative = 0;
                    for (le, n) in BUCKETS.iter().zip(m.buckets) {
                        cumulative += n;
                        let _ = writeln!(
                            out,
                            "nahar_fetch_duration_seconds_bucket{{source=\"{name}\",le=\"{le}\"}} {cumulative}"
                        );
                    }
                    let _ = writeln!(
                        out,
                        "nahar_fetch_duration_seconds_bucket{{source=\"{name}\",le=\"+Inf\"}} {}",
                        m.duration_count
                    );
                    let _ = writeln!(
                        out,
                        "nahar_fetch_duration_seconds_sum{{source=\"{name}\"}} {}",
                        m.duration_sum
                    );
                    let _ = writeln!(
                        out,
                        "nahar_fetch_duration_seconds_count{{source=\"{name}\"}} {}",
                        m.duration_count
                    );
                }
            },
        );
        family(
            "nahar_backoff_seconds",
            "gauge",
            "The current backoff of a failing source (0 when it is healthy).",
            &mut |out| {
                for (name, m) in &sources {
                    let _ = writeln!(
                        out,
                        "nahar_backoff_seconds{{source=\"{name}\"}} {}",
                        m.backoff_seconds
                    );
                }
            },
        );
        let kind = output.kind;
        let delivered = &output.deliveries;
        family(
            "nahar_output_up",
            "gauge",
            "1 when records can leave (for nats: connected), 0 while they cannot.",
            &mut |out| {
                let _ = writeln!(
                    out,
                    "nahar_output_up{{kind=\"{kind}\"}} {}",
                    u8::from(output.up)
                );
            },
        );
        family(
            "nahar_output_deliveries_total",
            "counter",
            "Groups of batches delivered to the output (one fsync per file, or one publish the server acknowledged), by outcome.",
            &mut |out| {
                for (outcome, n) in [("ok", delivered.ok), ("error", delivered.failed)] {
                    let _ = writeln!(
                        out,
                        "nahar_output_deliveries_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
                    );
                }
            },
        );
        family(
            "nahar_output_records_total",
            "counter",
            "Records delivered: written and synced, or acknowledged by the server.",
            &mut |out| {
                let _ = writeln!(
                    out,
                    "nahar_output_records_total{{kind=\"{kind}\"}} {}",
                    delivered.records
                );
            },
        );
        family(
            "nahar_output_delivery_seconds",
            "histogram",
            "Time of one delivery: the append and fsync, or the publish until the server acknowledged every message.",
            &mut |out| {
                let mut cumulative = 0;
                for (le, n) in DELIVERY_BUCKETS.iter().zip(delivered.buckets) {
                    cumulative += n;
                    let _ = writeln!(
                        out,
                        "nahar_output_delivery_seconds_bucket{{kind=\"{kind}\",le=\"{le}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    out,
                    "nahar_output_delivery_seconds_bucket{{kind=\"{kind}\",le=\"+Inf\"}} {}",
                    delivered.count()
                );
                let _ = writeln!(
                    out,
                    "nahar_output_delivery_seconds_sum{{kind=\"{kind}\"}} {}",
                    delivered.seconds_sum
                );
                let _ = writeln!(
                    out,
                    "nahar_output_delivery_seconds_count{{kind=\"{kind}\"}} {}",
                    delivered.count()
                );
            },
        );
        if let Some(group) = group {
            family(
                "nahar_cluster_instances",
                "gauge",
                "Live instances of the group, this one included.",
                &mut |out| {
                    let _ = writeln!(out, "nahar_cluster_instances {}", group.instances);
                },
            );
            family(
                "nahar_cluster_hosts_held",
                "gauge",
                "Hosts whose sources this instance checks.",
                &mut |out| {
                    let _ = writeln!(out, "nahar_cluster_hosts_held {}", group.hosts.len());
                },
            );
            family(
                "nahar_cluster_lease_changes_total",
                "counter",
                "Leases of hosts taken, lost (lapsed or taken by another) and released (handed over).",
                &mut |out| {
                    for (change, n) in [
                        ("acquired", group.acquired),
                        ("lost", group.lost),
                        ("released", group.released),
                    ] {
                        let _ = writeln!(
                            out,
                            "nahar_cluster_lease_changes_total{{change=\"{change}\"}} {n}"
                        );
                    }
                },
            );
            family(
                "nahar_cluster_up",
                "gauge",
                "1 when the last round of lease renewals succeeded.",
                &mut |out| {
                    let _ = writeln!(out, "nahar_cluster_up {}", u8::from(group.error.is_none()));
                },
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::ServerHints;
    use crate::report::Counts;

    fn report(source: &str, not_modified: bool, written: usize, ms: u64) -> SourceReport {
        SourceReport {
            source: source.to_owned(),
            url: String::new(),
            counts: Counts {
                new: written,
                updated: 0,
                unchanged: 0,
            },
            not_modified,
            warnings: Vec::new(),
            error: None,
            hints: ServerHints::default(),
            bytes: 100,
            elapsed: Duration::from_millis(ms),
            cadence: None,
            ttl: None,
        }
    }

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.observe(&report("kan", false, 3, 70), Duration::ZERO);
        metrics.observe(&report("kan", true, 0, 20), Duration::ZERO);
        let mut deliveries = Deliveries {
            ok: 4,
            failed: 1,
            records: 120,
            seconds_sum: 0.75,
            ..Deliveries::default()
        };
        deliveries.buckets[2] = 3;
        deliveries.buckets[9] = 1;
        let output = OutputMetrics {
            kind: "nats",
            up: false,
            deliveries,
        };
        let text = metrics.render(2, &output, None);
        for line in [
            "nahar_sources 2",
            "nahar_fetches_total{source=\"kan\",outcome=\"ok\"} 1",
            "nahar_fetches_total{source=\"kan\",outcome=\"not_modified\"} 1",
            "nahar_fetches_total{source=\"kan\",outcome=\"error\"} 0",
            "nahar_not_modified_total{source=\"kan\"} 1",
            "nahar_records_written_total{source=\"kan\"} 3",
            "nahar_fetch_bytes_total{source=\"kan\"} 200",
            "nahar_fetch_duration_seconds_bucket{source=\"kan\",le=\"0.05\"} 1",
            "nahar_fetch_duration_seconds_bucket{source=\"kan\",le=\"0.1\"} 2",
            "nahar_fetch_duration_seconds_bucket{source=\"kan\",le=\"+Inf\"} 2",
            "nahar_fetch_duration_seconds_count{source=\"kan\"} 2",
            "nahar_backoff_seconds{source=\"kan\"} 0",
            "# TYPE nahar_fetch_duration_seconds histogram",
            "nahar_output_up{kind=\"nats\"} 0",
            "nahar_output_deliveries_total{kind=\"nats\",outcome=\"ok\"} 4",
            "nahar_output_deliveries_total{kind=\"nats\",outcome=\"error\"} 1",
            "nahar_output_records_total{kind=\"nats\"} 120",
            "nahar_output_delivery_seconds_bucket{kind=\"nats\",le=\"0.001\"} 0",
            "nahar_output_delivery_seconds_bucket{kind=\"nats\",le=\"0.005\"} 3",
            "nahar_output_delivery_seconds_bucket{kind=\"nats\",le=\"10\"} 4",
            // One delivery slower than every bucket is only in +Inf.
            "nahar_output_delivery_seconds_bucket{kind=\"nats\",le=\"+Inf\"} 5",
            "nahar_output_delivery_seconds_count{kind=\"nats\"} 5",
            "nahar_output_delivery_seconds_sum{kind=\"nats\"} 0.75",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        metrics.retain(&std::collections::HashSet::new());
        assert!(!metrics.render(0, &output, None).contains("kan"));
    }
}
