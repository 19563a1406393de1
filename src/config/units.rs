//! Units of the config file: durations (`"90s"`, `"10m"`, `"1h30m"`) and sizes (`"512KB"`, `"10MB"`).
//!
//! In: the text of one TOML string value. Out: a [`Duration`] or a byte count, or a message that
//! quotes the text, says what is wrong and shows the form that works. Never: fractions, negative
//! values, a number without a unit (is `10` seconds or minutes?), or a silent wrap-around on
//! overflow. Sizes are binary (KB = 1024 bytes) because they cap buffers, not disks.

use std::time::Duration;

/// Said whenever a duration is not even shaped like one.
const DURATION_FORM: &str = r#"expected a number and a unit s, m, h or d, like "10m""#;

/// Said whenever a size is not even shaped like one.
const SIZE_FORM: &str = r#"expected a number and a unit B, KB, MB or GB, like "10MB""#;

/// Duration units from the smallest up: name and length in seconds.
const DURATION_UNITS: [(&str, u64); 4] = [("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400)];

/// The longest duration a config may give. Nothing nahar waits for is longer than a year, and the
/// bound keeps every sum and product of durations (backoff, jitter, deadlines) far from overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 86_400);

/// Size units: name (matched case-insensitively) and length in bytes.
const SIZE_UNITS: [(&str, u64); 4] = [("B", 1), ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30)];

/// Reads a duration: whole numbers with a unit `s`, `m`, `h` or `d`, several of them from the
/// largest unit to the smallest (`"1h30m"`). `"0s"` is a valid (zero) duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let invalid = |why: &str| format!("invalid duration {s:?}: {why}");
    let text = s.trim();
    if text.is_empty() {
        return Err(invalid(DURATION_FORM));
    }
    if text.starts_with('-') {
        return Err(invalid("a duration cannot be negative"));
    }
    let mut rest = text;
    let mut total: u64 = 0;
    // Index into DURATION_UNITS of the previous part: "30m1h" and "1m1m" are more likely typos
    // than intent, so each part must use a smaller unit than the one before.
    let mut previous: Option<usize> = None;
    while !rest.is_empty() {
        let (number, after) = split_digits(rest);
        if number.is_empty() {
            return Err(invalid(DURATION_FORM));
        }
        let (unit, after) = split_letters(after);
        if unit.is_empty() {
            return Err(invalid(&missing_unit(
                number,
                after,
                "s, m, h or d",
                "m",
                r#"write "90m", not "1.5h""#,
            )));
        }
        let Some(rank) = DURATION_UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(invalid(&format!(
                "unknown unit `{unit}`; expected s, m, h or d"
            )));
        };
        if previous.is_some_and(|p| rank >= p) {
            return Err(invalid(
                r#"units must go from the largest to the smallest, each once, like "1h30m""#,
            ));
        }
        previous = Some(rank);
        let seconds = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(DURATION_UNITS[rank].1))
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| invalid("too large"))?;
        total = seconds;
        rest = after;
    }
    let duration = Duration::from_secs(total);
    if duration > MAX_DURATION {
        return Err(invalid("too large: at most 365d"));
    }
    Ok(duration)
}

/// Reads a size: a whole number and a unit `B`, `KB`, `MB` or `GB` (any case), binary:
/// `"10MB"` is 10 × 1024 × 1024 bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let invalid = |why: &str| format!("invalid size {s:?}: {why}");
    let text = s.trim();
    if text.is_empty() {
        return Err(invalid(SIZE_FORM));
    }
    if text.starts_with('-') {
        return Err(invalid("a size cannot be negative"));
    }
    let (number, unit) = split_digits(text);
    if number.is_empty() {
        return Err(invalid(SIZE_FORM));
    }
    let (letters, after) = split_letters(unit);
    if letters.is_empty() {
        return Err(invalid(&missing_unit(
            number,
            after,
            "B, KB, MB or GB",
            "MB",
            r#"write "1536KB", not "1.5MB""#,
        )));
    }
    if !after.is_empty() {
        return Err(invalid(SIZE_FORM));
    }
    let Some((_, multiplier)) = SIZE_UNITS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(letters))
    else {
        return Err(invalid(&format!(
            "unknown unit `{letters}`; expected B, KB, MB or GB (KB = 1024 bytes)"
        )));
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(*multiplier))
        .ok_or_else(|| invalid("too large"))
}

/// Writes a duration the way the config file spells it (`"1h30m"`, `"0s"`): in messages, in
/// `nahar check` and in `/health`.
pub fn format_duration(duration: Duration) -> String {
    let mut left = duration.as_secs();
    if left == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (name, seconds) in DURATION_UNITS.iter().rev() {
        if left >= *seconds {
            out.push_str(&format!("{}{name}", left / seconds));
            left %= seconds;
        }
    }
    out
}

/// Why a number has no unit: a fraction, nothing at all, or something else (`"10 minutes"`).
fn missing_unit(number: &str, after: &str, units: &str, example: &str, whole: &str) -> String {
    if after.starts_with(['.', ',']) {
        format!("only whole numbers are allowed ({whole})")
    } else if after.is_empty() {
        format!("missing unit; expected {units}, like \"{number}{example}\"")
    } else {
        format!("expected a number and a unit {units}, like \"10{example}\"")
    }
}

/// Splits off the leading ASCII digits.
fn split_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// Splits off the leading letters (any script, so `"10мин"` names its unit in the message).
fn split_letters(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_alphabetic()).unwrap_or(s.len());
    s.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn durations_with_one_unit() {
        assert_eq!(parse_duration("0s"), Ok(secs(0)));
        assert_eq!(parse_duration("90s"), Ok(secs(90)));
        assert_eq!(parse_duration("10m"), Ok(secs(600)));
        assert_eq!(parse_duration("1h"), Ok(secs(3_600)));
        assert_eq!(parse_duration("1d"), Ok(secs(86_400)));
        assert_eq!(parse_duration("007m"), Ok(secs(420)));
        assert_eq!(parse_duration(" 5m "), Ok(secs(300)));
    }

    #[test]
    fn compound_durations() {
        assert_eq!(parse_duration("1h30m"), Ok(secs(5_400)));
        assert_eq!(parse_duration("1d2h3m4s"), Ok(secs(93_784)));
        assert_eq!(parse_duration("2m0s"), Ok(secs(120)));
    }

    #[test]
    fn duration_errors_say_what_is_wrong() {
        let cases = [
            (
                "",
                r#"invalid duration "": expected a number and a unit s, m, h or d, like "10m""#,
            ),
            (
                "10 minutes",
                r#"invalid duration "10 minutes": expected a number and a unit s, m, h or d, like "10m""#,
            ),
            (
                "10",
                r#"invalid duration "10": missing unit; expected s, m, h or d, like "10m""#,
            ),
            (
                "-5m",
                r#"invalid duration "-5m": a duration cannot be negative"#,
            ),
            (
                "10ms",
                r#"invalid duration "10ms": unknown unit `ms`; expected s, m, h or d"#,
            ),
            (
                "10M",
                r#"invalid duration "10M": unknown unit `M`; expected s, m, h or d"#,
            ),
            (
                "1.5h",
                r#"invalid duration "1.5h": only whole numbers are allowed (write "90m", not "1.5h")"#,
            ),
            (
                "m",
                r#"invalid duration "m": expected a number and a unit s, m, h or d, like "10m""#,
            ),
            (
                "+5m",
                r#"invalid duration "+5m": expected a number and a unit s, m, h or d, like "10m""#,
            ),
            (
                "30m1h",
                r#"invalid duration "30m1h": units must go from the largest to the smallest, each once, like "1h30m""#,
            ),
            (
                "1m1m",
                r#"invalid duration "1m1m": units must go from the largest to the smallest, each once, like "1h30m""#,
            ),
            (
                "1h 30m",
                r#"invalid duration "1h 30m": expected a number and a unit s, m, h or d, like "10m""#,
            ),
            (
                "99999999999999999999s",
                r#"invalid duration "99999999999999999999s": too large"#,
            ),
            (
                "213503982334602d",
                r#"invalid duration "213503982334602d": too large"#,
            ),
            (
                "18446744073709551615s1s",
                r#"invalid duration "18446744073709551615s1s": units must go from the largest to the smallest, each once, like "1h30m""#,
            ),
        ];
        for (input, message) in cases {
            assert_eq!(parse_duration(input), Err(message.to_owned()), "{input:?}");
        }
    }

    #[test]
    fn a_year_fits_and_one_more_second_is_too_large() {
        assert_eq!(parse_duration("365d"), Ok(MAX_DURATION));
        assert_eq!(parse_duration("364d23h59m60s"), Ok(MAX_DURATION));
        assert_eq!(
            parse_duration("365d1s"),
            Err(r#"invalid duration "365d1s": too large: at most 365d"#.to_owned())
        );
        assert!(
            parse_duration("18446744073709551615s").is_err_and(|e| e.ends_with("at most 365d"))
        );
        let max_days = u64::MAX / 86_400;
        assert!(
            parse_duration(&format!("{max_days}d{}s", u64::MAX % 86_400 + 1))
                .is_err_and(|e| e.ends_with("too large"))
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0B"), Ok(0));
        assert_eq!(parse_size("100B"), Ok(100));
        assert_eq!(parse_size("512KB"), Ok(512 * 1024));
        assert_eq!(parse_size("10MB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("2GB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("10mb"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("1Kb"), Ok(1024));
        assert_eq!(parse_size(" 1gb "), Ok(1 << 30));
    }

    #[test]
    fn size_errors_say_what_is_wrong() {
        let cases = [
            (
                "",
                r#"invalid size "": expected a number and a unit B, KB, MB or GB, like "10MB""#,
            ),
            (
                "1024",
                r#"invalid size "1024": missing unit; expected B, KB, MB or GB, like "1024MB""#,
            ),
            (
                "10 MB",
                r#"invalid size "10 MB": expected a number and a unit B, KB, MB or GB, like "10MB""#,
            ),
            ("-1KB", r#"invalid size "-1KB": a size cannot be negative"#),
            (
                "10MiB",
                r#"invalid size "10MiB": unknown unit `MiB`; expected B, KB, MB or GB (KB = 1024 bytes)"#,
            ),
            (
                "5TB",
                r#"invalid size "5TB": unknown unit `TB`; expected B, KB, MB or GB (KB = 1024 bytes)"#,
            ),
            (
                "1.5MB",
                r#"invalid size "1.5MB": only whole numbers are allowed (write "1536KB", not "1.5MB")"#,
            ),
            (
                "MB",
                r#"invalid size "MB": expected a number and a unit B, KB, MB or GB, like "10MB""#,
            ),
            (
                "10MB5KB",
                r#"invalid size "10MB5KB": expected a number and a unit B, KB, MB or GB, like "10MB""#,
            ),
            (
                "17179869184GB",
                r#"invalid size "17179869184GB": too large"#,
            ),
            (
                "99999999999999999999B",
                r#"invalid size "99999999999999999999B": too large"#,
            ),
        ];
        for (input, message) in cases {
            assert_eq!(parse_size(input), Err(message.to_owned()), "{input:?}");
        }
    }

    #[test]
    fn formatted_durations_read_back() {
        for (seconds, text) in [
            (0, "0s"),
            (59, "59s"),
            (60, "1m"),
            (5_400, "1h30m"),
            (86_400, "1d"),
            (93_784, "1d2h3m4s"),
        ] {
            assert_eq!(format_duration(secs(seconds)), text);
            assert_eq!(parse_duration(text), Ok(secs(seconds)));
        }
    }
}
