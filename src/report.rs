//! Report: what happened to each source, the run's summary, and its exit status.
//!
//! In: one [`SourceReport`] per source ingested. Out: a human summary (one line per source —
//! new / updated / unchanged / failed with the reason — and a total line) and the exit status
//! SPEC.md gives `nahar fetch`: 0 when every source succeeded, 2 when some failed.
//! Never: decides anything about records, or prints records.

use std::fmt;
use std::time::Duration;

use crate::fetch::{FetchError, ServerHints};
use crate::parse::ParseError;
use crate::sink::SinkError;
use crate::state::Cadence;
use crate::state::StateError;

/// Counts of one source's items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Items written for the first time.
    pub new: usize,
    /// Items whose content changed: written again with the next revision.
    pub updated: usize,
    /// Items already written, with the same content.
    pub unchanged: usize,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }

    pub fn written(&self) -> usize {
        self.new + self.updated
    }
}

/// The stage a source failed in, with its cause.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("fetch: {0}")]
    Fetch(#[from] FetchError),
    #[error("parse: {0}")]
    Parse(#[from] ParseError),
    #[error("state: {0}")]
    State(#[from] StateError),
    #[error("sink: {0}")]
    Sink(#[from] SinkError),
    #[error("internal: {0}")]
    Internal(String),
}

/// A source's failure, naming the source and its URL:
/// `kan-news (https://…/rss.xml): fetch: HTTP 503 Service Unavailable`. Shown with its cause's
/// control characters escaped (a feed or a server may have written it).
#[derive(Debug, thiserror::Error)]
#[error("{source_name} ({url}): {}", self.cause())]
pub struct SourceError {
    pub source_name: String,
    /// As [`crate::shown::url`] shows it.
    pub url: String,
    pub failure: Failure,
}

impl SourceError {
    /// The failure as nahar shows it: URLs without secrets, control characters escaped.
    pub fn cause(&self) -> String {
        crate::shown::message(&self.failure.to_string())
    }
}

/// What one pass over one source did.
#[derive(Debug)]
pub struct SourceReport {
    pub source: String,
    pub url: String,
    pub counts: Counts,
    /// The server answered 304: nothing was parsed.
    pub not_modified: bool,
    /// Trouble that did not stop the source (a document of a folder that failed, …).
    pub warnings: Vec<String>,
    pub error: Option<SourceError>,
    /// What the server said about when to ask again.
    pub hints: ServerHints,
    /// Bytes read (after decompression).
    pub bytes: u64,
    pub elapsed: Duration,
    /// How often the source publishes, as learned so far (for `interval = "auto"`).
    pub cadence: Option<Cadence>,
    /// The feed's RSS `<ttl>`: how long it may be cached.
    pub ttl: Option<Duration>,
}

impl SourceReport {
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

impl fmt::Display for SourceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(error) = &self.error {
            write!(f, "failed     {error}")?;
            if self.counts.written() > 0 {
                write!(
                    f,
                    " (still written: {} new, {} updated)",
                    self.counts.new, self.counts.updated
                )?;
            }
            return Ok(());
        }
        let c = self.counts;
        if self.not_modified {
            write!(
                f,
                "unchanged  {}: not modified since the last fetch",
                self.source
            )?;
        } else if c.written() == 0 {
            write!(f, "unchanged  {}: {} unchanged", self.source, c.unchanged)?;
        } else {
            write!(
                f,
                "ok         {}: {} new, {} updated, {} unchanged",
                self.source, c.new, c.updated, c.unchanged
            )?;
        }
        for warning in &self.warnings {
            write!(f, "; warning: {}", crate::shown::message(warning))?;
        }
        Ok(())
    }
}

/// The summary of a whole `nahar fetch`.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub sources: Vec<SourceReport>,
}

impl RunSummary {
    pub fn totals(&self) -> Counts {
        let mut totals = Counts::default();
        for report in &self.sources {
            totals.add(report.counts);
        }
        totals
    }

    pub fn failed(&self) -> usize {
        self.sources.iter().filter(|r| r.failed()).count()
    }

    /// SPEC.md: 0 when every source succeeded, 2 when some failed (the others still written).
    pub fn exit_status(&self) -> u8 {
        if self.failed() > 0 { 2 } else { 0 }
    }
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for report in &self.sources {
            writeln!(f, "{report}")?;
        }
        let totals = self.totals();
        write!(
            f,
            "{} sources: {} new, {} updated, {} unchanged records; {} failed",
            self.sources.len(),
            totals.new,
            totals.updated,
            totals.unchanged,
            self.failed()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(source: &str, counts: Counts, error: Option<SourceError>) -> SourceReport {
        SourceReport {
            source: source.to_owned(),
            url: format!("https://example.org/{source}.xml"),
            counts,
            not_modified: false,
            warnings: Vec::new(),
            error,
            hints: ServerHints::default(),
            bytes: 0,
            elapsed: Duration::ZERO,
            cadence: None,
            ttl: None,
        }
    }

    #[test]
    fn the_summary_names_every_source_and_a_failure_makes_exit_status_2() {
        let ok = report(
            "kan",
            Counts {
                new: 3,
                updated: 1,
                unchanged: 2,
            },
            None,
        );
        let same = report(
            "toi",
            Counts {
                new: 0,
                updated: 0,
                unchanged: 5,
            },
            None,
        );
        let broken = report(
            "ynet",
            Counts::default(),
            Some(SourceError {
                source_name: "ynet".to_owned(),
                url: "https://example.org/ynet.xml".to_owned(),
                failure: Failure::Fetch(FetchError::Status {
                    code: 503,
                    reason: "Service Unavailable".to_owned(),
                    retry_after: None,
                }),
            }),
        );
        let summary = RunSummary {
            sources: vec![ok, same, broken],
        };
        assert_eq!(
            summary.to_string(),
            "ok         kan: 3 new, 1 updated, 2 unchanged\n\
             unchanged  toi: 5 unchanged\n\
             failed     ynet (https://example.org/ynet.xml): fetch: HTTP 503 Service Unavailable\n\
             3 sources: 3 new, 1 updated, 7 unchanged records; 1 failed"
        );
        assert_eq!(summary.exit_status(), 2);
        assert_eq!(RunSummary::default().exit_status(), 0);
    }
}
