//! The scheduler's decision: when to check a source next. A pure function, so every rule has a
//! table test.
//!
//! In: the source's interval (fixed, or `auto` with what was learned about how often it
//! publishes), the `[defaults]` bounds, the outcome of the last check (server hints on success;
//! consecutive failures and `Retry-After` on failure) and a jitter fraction in `[0, 1)`.
//! Out: the delay until the next check.
//! Never: checks sooner than `min_interval` or than a server's `Retry-After`/`max-age`/`ttl`
//! (within `max_interval`), gives up on a failing source, or reads a clock or a random number
//! generator (the caller passes the jitter).
//!
//! Rules, in order:
//! 1. base = the fixed interval; for `auto`, half the typical gap between the source's items
//!    (a source publishing hourly is checked every 30 minutes), or 10 minutes before anything
//!    is known.
//! 2. success: the later of base and what the server asked for (`ttl`, `Cache-Control:
//!    max-age`, `Expires`, `Retry-After`).
//!    failure n (n ≥ 1): base × 2^(n-1), capped at [`BACKOFF_CAP`] (or base when base is longer),
//!    and never sooner than `Retry-After`.
//! 3. clamp to [`min_interval`, `max_interval`].
//! 4. jitter: add up to [`JITTER_SHARE`] of the delay, so that sources on one host drift apart;
//!    jitter only ever delays, so it never breaks a bound or a server's request.

use std::time::Duration;

/// Consecutive failures back off up to this (unless the source's own interval is longer).
pub const BACKOFF_CAP: Duration = Duration::from_secs(6 * 3600);
/// The largest share of a delay added as jitter.
pub const JITTER_SHARE: f64 = 0.1;
/// `auto` before anything is known about the source.
pub const AUTO_DEFAULT: Duration = Duration::from_secs(600);

/// How often a source is checked, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Every(Duration),
    /// `interval = "auto"`, with the typical gap between the source's items when known.
    Auto {
        publish_gap: Option<Duration>,
    },
}

/// How the last check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success {
        /// The longest of `ttl`, `max-age`, `Expires` and `Retry-After` the server sent.
        server_asked: Option<Duration>,
    },
    Failure {
        /// Including this one (≥ 1).
        consecutive: u32,
        retry_after: Option<Duration>,
    },
}

/// Everything the decision depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inputs {
    pub base: Base,
    pub min_interval: Duration,
    pub max_interval: Duration,
    pub outcome: Outcome,
    /// In `[0, 1)`; values outside are clamped.
    pub jitter: f64,
}

/// The delay until the source's next check.
pub fn next_check(inputs: &Inputs) -> Duration {
    let base = match inputs.base {
        Base::Every(every) => every,
        Base::Auto {
            publish_gap: Some(gap),
        } => gap / 2,
        Base::Auto { publish_gap: None } => AUTO_DEFAULT,
    };
    let delay = match inputs.outcome {
        Outcome::Success { server_asked } => base.max(server_asked.unwrap_or_default()),
        Outcome::Failure {
            consecutive,
            retry_after,
        } => {
            let doublings = consecutive.saturating_sub(1).min(32);
            let backoff = base
                .checked_mul(1u32 << doublings.min(31))
                .unwrap_or(Duration::MAX)
                .min(BACKOFF_CAP.max(base));
            backoff.max(retry_after.unwrap_or_default())
        }
    };
    let (low, high) = if inputs.min_interval <= inputs.max_interval {
        (inputs.min_interval, inputs.max_interval)
    } else {
        (inputs.max_interval, inputs.min_interval)
    };
    let clamped = delay.clamp(low, high);
    let jitter = if inputs.jitter.is_finite() {
        inputs.jitter.clamp(0.0, 0.999_999)
    } else {
        0.0
    };
    clamped + clamped.mul_f64(JITTER_SHARE * jitter)
}

/// A stable jitter fraction for a source, from its name: sources keep their offsets across
/// restarts, and sources on one host are spread out.
pub fn jitter_for(name: &str, round: u64) -> f64 {
    // FNV-1a over the name and the round: cheap, stable across versions and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes().chain(round.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn inputs(base: Base, outcome: Outcome) -> Inputs {
        Inputs {
            base,
            min_interval: S(60),
            max_interval: S(86_400),
            outcome,
            jitter: 0.0,
        }
    }

    fn ok(server_asked: Option<Duration>) -> Outcome {
        Outcome::Success { server_asked }
    }

    fn failed(consecutive: u32, retry_after: Option<Duration>) -> Outcome {
        Outcome::Failure {
            consecutive,
            retry_after,
        }
    }

    #[test]
    fn each_rule_in_a_table() {
        let every = |s| Base::Every(S(s));
        let cases: Vec<(&str, Inputs, Duration)> = vec![
            ("interval alone", inputs(every(600), ok(None)), S(600)),
            (
                "server asks for longer: ttl/max-age wins",
                inputs(every(600), ok(Some(S(1800)))),
                S(1800),
            ),
            (
                "server asks for shorter: the interval wins",
                inputs(every(600), ok(Some(S(30)))),
                S(600),
            ),
            (
                "below min_interval is raised",
                inputs(every(10), ok(None)),
                S(60),
            ),
            (
                "a server asking for a week is held to max_interval",
                inputs(every(600), ok(Some(S(7 * 86_400)))),
                S(86_400),
            ),
            (
                "first failure: the interval",
                inputs(every(600), failed(1, None)),
                S(600),
            ),
            (
                "third failure: ×4",
                inputs(every(600), failed(3, None)),
                S(2400),
            ),
            (
                "many failures: capped at 6 h, never given up",
                inputs(every(600), failed(40, None)),
                BACKOFF_CAP,
            ),
            (
                "u32::MAX failures do not overflow",
                inputs(every(600), failed(u32::MAX, None)),
                BACKOFF_CAP,
            ),
            (
                "an interval longer than the cap is kept on failure",
                inputs(every(43_200), failed(5, None)),
                S(43_200),
            ),
            (
                "Retry-After longer than the backoff wins",
                inputs(every(60), failed(1, Some(S(900)))),
                S(900),
            ),
            (
                "Retry-After shorter than the backoff does not hurry it",
                inputs(every(600), failed(2, Some(S(5)))),
                S(1200),
            ),
            (
                "auto with a known hourly rhythm: every 30 min",
                inputs(
                    Base::Auto {
                        publish_gap: Some(S(3600)),
                    },
                    ok(None),
                ),
                S(1800),
            ),
            (
                "auto with nothing known: 10 min",
                inputs(Base::Auto { publish_gap: None }, ok(None)),
                AUTO_DEFAULT,
            ),
            (
                "auto with a source publishing every few seconds: min_interval",
                inputs(
                    Base::Auto {
                        publish_gap: Some(S(4)),
                    },
                    ok(None),
                ),
                S(60),
            ),
            (
                "one-second intervals are allowed when min_interval allows them",
                Inputs {
                    min_interval: S(1),
                    ..inputs(every(1), ok(None))
                },
                S(1),
            ),
        ];
        for (rule, input, expected) in cases {
            assert_eq!(next_check(&input), expected, "{rule}");
        }
    }

    #[test]
    fn jitter_only_delays_and_by_at_most_a_tenth() {
        let base = inputs(Base::Every(S(600)), failed(1, Some(S(900))));
        for jitter in [0.0, 0.25, 0.5, 0.999, 1.0, 7.0, -1.0, f64::NAN] {
            let delay = next_check(&Inputs { jitter, ..base });
            assert!(delay >= S(900), "{jitter}: {delay:?}");
            assert!(delay < S(990), "{jitter}: {delay:?}");
        }
        assert_eq!(
            next_check(&Inputs {
                jitter: 0.5,
                ..base
            }),
            S(945)
        );
    }

    #[test]
    fn jitter_is_stable_per_source_and_spreads_sources() {
        assert_eq!(jitter_for("kan-news", 3), jitter_for("kan-news", 3));
        let values: Vec<f64> = (0..200)
            .map(|i| jitter_for(&format!("source-{i}"), 0))
            .collect();
        assert!(values.iter().all(|j| (0.0..1.0).contains(j)));
        let low = values.iter().filter(|j| **j < 0.5).count();
        assert!((60..140).contains(&low), "{low} of 200 below 0.5");
    }
}
