//! The scheduler's decision: when to check a source next. A pure function, so every rule has a
//! table test.
//!
//! In: the source's interval (fixed, or `auto` with what was learned about how often it
//! publishes, and what to use until then), the `[defaults]` bounds, the outcome of the last
//! check (the server's cache hints and `Retry-After`; consecutive failures) and a jitter
//! fraction in `[0, 1)`. Out: the delay until the next check, and the interval it started from.
//! Never: checks sooner than `min_interval` or than a server's `Retry-After` (up to
//! [`RETRY_AFTER_CEILING`]), gives up on a failing source, overflows (every duration a config
//! can give is at most a year), or reads a clock or a random number generator (the caller
//! passes the jitter).
//!
//! Rules, in order:
//! 1. interval = the fixed one; for `auto`, half the source's cadence (a source publishing hourly
//!    is checked every 30 minutes) — the gap between its items' dates, else between the times
//!    new items arrived — and before anything is known, the fallback: `[defaults] interval`
//!    when it is a duration, else [`AUTO_DEFAULT`].
//! 2. success: the later of the interval and the server's cache hints (`ttl`, `Cache-Control:
//!    max-age`, `Expires`), kept within [`min_interval`, `max_interval`].
//!    failure n (n ≥ 1): interval × 2^(n-1), up to [`BACKOFF_CAP`] (or the interval when it is
//!    longer), never sooner than `min_interval`; `max_interval` does not shorten a backoff.
//! 3. a `Retry-After` (on a 429/503, or any answer) is honoured whatever `max_interval` says,
//!    up to [`RETRY_AFTER_CEILING`]: no later check is sooner.
//! 4. jitter: add up to [`JITTER_SHARE`] of the delay, so that sources on one host drift apart;
//!    jitter only ever delays, so it never breaks a bound or a server's request.

use std::time::Duration;

use crate::config::{Defaults, Interval};
use crate::state::{Cadence, CadenceFrom};

/// Consecutive failures back off up to this (unless the source's own interval is longer).
pub const BACKOFF_CAP: Duration = Duration::from_secs(6 * 3600);
/// The longest `Retry-After` honoured: a server asking for more is asked again after a day.
pub const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 3600);
/// The largest share of a delay added as jitter.
pub const JITTER_SHARE: f64 = 0.1;
/// `auto` before anything is known, when `[defaults] interval` is `auto` too.
pub const AUTO_DEFAULT: Duration = Duration::from_secs(600);

/// How often a source is checked, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Every(Duration),
    /// `interval = "auto"`: the source's cadence when known, else `fallback`.
    Auto {
        cadence: Option<Duration>,
        fallback: Duration,
    },
}

impl Base {
    /// The interval rule 1 gives.
    pub fn interval(self) -> Duration {
        match self {
            Base::Every(every) => every,
            Base::Auto {
                cadence: Some(gap), ..
            } => gap / 2,
            Base::Auto {
                cadence: None,
                fallback,
            } => fallback,
        }
    }
}

/// Where a source's interval comes from (`/health`'s `interval_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalFrom {
    Configured,
    /// `auto`, from the items' dates.
    ItemDates,
    /// `auto`, from when new items arrived.
    Arrivals,
    /// `auto` with nothing learned yet.
    Fallback,
}

impl IntervalFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            IntervalFrom::Configured => "configured",
            IntervalFrom::ItemDates => "item_dates",
            IntervalFrom::Arrivals => "arrivals",
            IntervalFrom::Fallback => "fallback",
        }
    }
}

/// A source's interval rule: its own `interval`, or for `auto` its cadence (when learned) with
/// `[defaults] interval` as the fallback.
pub fn base(
    interval: Interval,
    cadence: Option<Cadence>,
    defaults: &Defaults,
) -> (Base, IntervalFrom) {
    match interval {
        Interval::Every(every) => (Base::Every(every), IntervalFrom::Configured),
        Interval::Auto => {
            let fallback = match defaults.interval {
                Interval::Every(every) => every,
                Interval::Auto => AUTO_DEFAULT,
            };
            let from = match cadence.map(|c| c.from) {
                Some(CadenceFrom::ItemDates) => IntervalFrom::ItemDates,
                Some(CadenceFrom::Arrivals) => IntervalFrom::Arrivals,
                None => IntervalFrom::Fallback,
            };
            (
                Base::Auto {
                    cadence: cadence.map(|c| c.gap),
                    fallback,
                },
                from,
            )
        }
    }
}

/// The interval a source runs at while all is well: rule 1 within `[defaults]`'s bounds.
pub fn running_interval(base: Base, defaults: &Defaults) -> Duration {
    next_check(&Inputs {
        base,
        min_interval: defaults.min_interval,
        max_interval: defaults.max_interval,
        outcome: Outcome::Success {
            cache_hint: None,
            retry_after: None,
        },
        jitter: 0.0,
    })
}

/// How the last check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success {
        /// The longest of `ttl`, `max-age` and `Expires` the server sent.
        cache_hint: Option<Duration>,
        retry_after: Option<Duration>,
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
    let interval = inputs.base.interval();
    let (low, high) = if inputs.min_interval <= inputs.max_interval {
        (inputs.min_interval, inputs.max_interval)
    } else {
        (inputs.max_interval, inputs.min_interval)
    };
    let (delay, retry_after) = match inputs.outcome {
        Outcome::Success {
            cache_hint,
            retry_after,
        } => (
            interval
                .max(cache_hint.unwrap_or_default())
                .clamp(low, high),
            retry_after,
        ),
        Outcome::Failure {
            consecutive,
            retry_after,
        } => {
            let doublings = consecutive.saturating_sub(1).min(31);
            let backoff = interval
                .checked_mul(1u32 << doublings)
                .unwrap_or(Duration::MAX)
                .min(BACKOFF_CAP.max(interval));
            (backoff.max(low), retry_after)
        }
    };
    let delay = delay.max(retry_after.unwrap_or_default().min(RETRY_AFTER_CEILING));
    let jitter = if inputs.jitter.is_finite() {
        inputs.jitter.clamp(0.0, 0.999_999)
    } else {
        0.0
    };
    let extra = Duration::try_from_secs_f64(delay.as_secs_f64() * JITTER_SHARE * jitter)
        .unwrap_or_default();
    delay.saturating_add(extra)
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

    fn ok(cache_hint: Option<Duration>) -> Outcome {
        Outcome::Success {
            cache_hint,
            retry_after: None,
        }
    }

    fn auto(cadence: Option<Duration>) -> Base {
        Base::Auto {
            cadence,
            fallback: AUTO_DEFAULT,
        }
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
                "Retry-After beyond max_interval is honoured",
                Inputs {
                    max_interval: S(15),
                    min_interval: S(1),
                    ..inputs(every(10), failed(1, Some(S(3600))))
                },
                S(3600),
            ),
            (
                "Retry-After on a success is honoured too",
                inputs(
                    every(600),
                    Outcome::Success {
                        cache_hint: None,
                        retry_after: Some(S(7200)),
                    },
                ),
                S(7200),
            ),
            (
                "Retry-After of a week: asked again after a day",
                inputs(every(600), failed(1, Some(S(7 * 86_400)))),
                RETRY_AFTER_CEILING,
            ),
            (
                "backoff is not cut to max_interval: a 12 s source failing 4 times waits 96 s",
                Inputs {
                    max_interval: S(15),
                    min_interval: S(1),
                    ..inputs(every(12), failed(4, None))
                },
                S(96),
            ),
            (
                "backoff of a short source grows to 6 h whatever max_interval says",
                Inputs {
                    max_interval: S(15),
                    min_interval: S(1),
                    ..inputs(every(12), failed(20, None))
                },
                BACKOFF_CAP,
            ),
            (
                "Retry-After shorter than the backoff does not hurry it",
                inputs(every(600), failed(2, Some(S(5)))),
                S(1200),
            ),
            (
                "auto with a known hourly rhythm: every 30 min",
                inputs(auto(Some(S(3600))), ok(None)),
                S(1800),
            ),
            (
                "auto with nothing known and no configured fallback: 10 min",
                inputs(auto(None), ok(None)),
                AUTO_DEFAULT,
            ),
            (
                "auto with nothing known: the configured interval",
                Inputs {
                    min_interval: S(1),
                    ..inputs(
                        Base::Auto {
                            cadence: None,
                            fallback: S(4),
                        },
                        ok(None),
                    )
                },
                S(4),
            ),
            (
                "auto with a source publishing every few seconds: min_interval",
                inputs(auto(Some(S(4))), ok(None)),
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
