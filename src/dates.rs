//! Timestamps as feeds and pages write them: RFC 3339, RFC 2822 (with a wrong weekday, with zone
//! abbreviations such as IDT/IST), dates without a time, times without a zone — read in the
//! source's configured zone — and a site's own strftime-style format (`published_format`). A leaf: the parse and extract stages and the config share it.
//!
//! In: a string and the source's [`NaiveTimezone`]. Out: a UTC instant between the years 1 and
//! 9999 (what RFC 3339 can write), [`Parsed::OutOfRange`] for a date outside them or one the
//! arithmetic cannot represent, or [`Parsed::Unreadable`].
//! Never: panics (every step of the arithmetic is checked), guesses a day/month order
//! (`03/04/2024` is unreadable), or invents a zone for a string that names one it does not know.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc,
    Weekday,
};

/// How timestamps without a zone are read (the source's `timezone` key; SPEC extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NaiveTimezone {
    /// A fixed offset from UTC in seconds (`"UTC"`, `"+02:00"`).
    Fixed(i32),
    /// Israeli civil time, IST/IDT with its daylight-saving rule (`"Asia/Jerusalem"`).
    Jerusalem,
}

/// The years a record's dates may fall in: RFC 3339 writes four-digit years, and year 0 is no
/// one's date.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// What a date string says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    At(DateTime<Utc>),
    /// A date, but before year 1, after 9999, or beyond what can be computed.
    OutOfRange,
    /// Not a date nahar can read.
    Unreadable,
}

impl Parsed {
    pub fn instant(self) -> Option<DateTime<Utc>> {
        match self {
            Parsed::At(at) => Some(at),
            Parsed::OutOfRange | Parsed::Unreadable => None,
        }
    }
}

/// The instant `input` names, when it is readable and within [`YEARS`].
pub fn parse_timestamp(input: &str, zone: NaiveTimezone) -> Option<DateTime<Utc>> {
    parse(input, zone).instant()
}

/// What `input` says, read in `zone` when it names none.
pub fn parse(input: &str, zone: NaiveTimezone) -> Parsed {
    if has_long_year(input.trim()) {
        return Parsed::OutOfRange;
    }
    match read(input, zone) {
        Some(Some(at)) if YEARS.contains(&at.year()) => Parsed::At(at),
        Some(_) => Parsed::OutOfRange,
        None => Parsed::Unreadable,
    }
}

/// Zone abbreviations seen in news feeds. IST is Israel Standard Time here: nahar's feeds are
/// Israeli far more often than Indian (India's IST is +05:30).
/// `input` read with a site's own strftime-style `format` (`[source.select] published_format`,
/// like `"%H:%M | %d.%m.%y"`), in `zone` unless the format reads an offset (`%z`). A format
/// with a date and no time reads midnight.
pub fn parse_with_format(input: &str, format: &str, zone: NaiveTimezone) -> Parsed {
    let s = input.trim();
    let at = if let Ok(t) = DateTime::parse_from_str(s, format) {
        Some(Some(t.with_timezone(&Utc)))
    } else if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
        Some(local_to_utc(naive, zone))
    } else if let Ok(date) = NaiveDate::parse_from_str(s, format) {
        Some(local_to_utc(date.and_time(NaiveTime::MIN), zone))
    } else {
        None
    };
    match at {
        Some(Some(at)) if YEARS.contains(&at.year()) => Parsed::At(at),
        Some(_) => Parsed::OutOfRange,
        None => Parsed::Unreadable,
    }
}

/// Why `format` cannot be a `published_format`, or `None` when it can: it must be
/// strftime-style and read at least a day, a month and a year.
pub fn format_problem(format: &str) -> Option<String> {
    use chrono::format::{Item, StrftimeItems};
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Some(format!(
            "{format:?} is not a strftime format (like \"%d.%m.%Y %H:%M\"; %% for a percent sign)"
        ));
    }
    let date = chrono::NaiveDate::from_ymd_opt(2026, 7, 14)
        .and_then(|d| d.and_hms_opt(19, 0, 0))
        .map(|t| t.format(format).to_string());
    match date {
        Some(shown)
            if NaiveDateTime::parse_from_str(&shown, format).is_ok()
                || NaiveDate::parse_from_str(&shown, format).is_ok()
                || DateTime::parse_from_str(&shown, format).is_ok() =>
        {
            None
        }
        _ => Some(format!(
            "{format:?} does not read a whole date: it needs a day, a month and a year \
             (%d, %m or %b, %Y or %y)"
        )),
    }
}

const ZONES: [(&str, i32); 15] = [
    ("GMT", 0),
    ("UT", 0),
    ("UTC", 0),
    ("Z", 0),
    ("IST", 2 * 3600),
    ("IDT", 3 * 3600),
    ("EST", -5 * 3600),
    ("EDT", -4 * 3600),
    ("CST", -6 * 3600),
    ("CDT", -5 * 3600),
    ("MST", -7 * 3600),
    ("MDT", -6 * 3600),
    ("PST", -8 * 3600),
    ("PDT", -7 * 3600),
    ("CET", 3600),
];

/// An ISO-shaped date whose year has five digits or more (`10000-01-01`, `+262142-12-31`):
/// chrono reads some of these and not others, and none is a four-digit year.
fn has_long_year(s: &str) -> bool {
    let digits = s.trim_start_matches(['+', '-']);
    let year = digits.bytes().take_while(u8::is_ascii_digit).count();
    year >= 5 && digits.as_bytes().get(year) == Some(&b'-')
}

/// `None`: unreadable; `Some(None)`: a date the arithmetic cannot represent.
fn read(input: &str, zone: NaiveTimezone) -> Option<Option<DateTime<Utc>>> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    // Every format but RFC 2822 opens with a year: a string that opens with a letter (RFC 2822's
    // weekday, the usual RSS date) can match no other, and interpreting eight format strings
    // that fail, for each item of a large feed, cost more than reading the date.
    if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return rfc2822(s);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Some(t.with_timezone(&Utc)));
    }
    // RFC 3339 with a space instead of `T`, or without seconds.
    for format in [
        "%Y-%m-%d %H:%M:%S%:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, format) {
            return Some(Some(t.with_timezone(&Utc)));
        }
    }
    if let Some(t) = rfc2822(s) {
        return Some(t);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
            return Some(local_to_utc(naive, zone));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(local_to_utc(date.and_time(NaiveTime::MIN), zone));
    }
    None
}

/// RFC 2822 as feeds write it: the weekday is ignored (feeds get it wrong), seconds may be
/// missing, the zone may be an offset or an abbreviation. `Some(None)`: out of range.
fn rfc2822(s: &str) -> Option<Option<DateTime<Utc>>> {
    let s = match s.split_once(',') {
        Some((weekday, rest)) if weekday.trim().chars().all(char::is_alphabetic) => rest.trim(),
        _ => s,
    };
    let (rest, zone) = s.rsplit_once(' ')?;
    let offset = zone_offset(zone)?;
    let naive = [
        "%d %b %Y %H:%M:%S",
        "%d %b %Y %H:%M",
        "%d %B %Y %H:%M:%S",
        "%d %b %y %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(rest.trim(), f).ok())?;
    let offset = FixedOffset::east_opt(offset)?;
    Some(local_with_offset(naive, offset.local_minus_utc()))
}

fn zone_offset(zone: &str) -> Option<i32> {
    if let Some((_, seconds)) = ZONES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(zone))
    {
        return Some(*seconds);
    }
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

fn local_to_utc(naive: NaiveDateTime, zone: NaiveTimezone) -> Option<DateTime<Utc>> {
    let offset = match zone {
        NaiveTimezone::Fixed(seconds) => seconds,
        NaiveTimezone::Jerusalem => jerusalem_offset(naive),
    };
    local_with_offset(naive, offset)
}

/// The UTC instant of a local time `offset` seconds east of UTC; `None` past chrono's range.
fn local_with_offset(naive: NaiveDateTime, offset: i32) -> Option<DateTime<Utc>> {
    let utc = naive.checked_sub_signed(TimeDelta::try_seconds(i64::from(offset))?)?;
    Some(DateTime::from_naive_utc_and_offset(utc, Utc))
}

/// Israel's offset at a local time under the rule in force since 2013: daylight time (UTC+3)
/// from 02:00 on the Friday before the last Sunday of March to 02:00 on the last Sunday of
/// October, standard time (UTC+2) otherwise. Older dates get the same rule: a feed's naive
/// timestamps are recent.
fn jerusalem_offset(local: NaiveDateTime) -> i32 {
    let year = local.year();
    let Some(march_last_sunday) = last_sunday(year, 3) else {
        return 2 * 3600;
    };
    let Some(october_last_sunday) = last_sunday(year, 10) else {
        return 2 * 3600;
    };
    let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN);
    let Some(friday_before) = march_last_sunday.checked_sub_days(Days::new(2)) else {
        return 2 * 3600;
    };
    let start = friday_before.and_time(two);
    let end = october_last_sunday.and_time(two);
    if local >= start && local < end {
        3 * 3600
    } else {
        2 * 3600
    }
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut day = first_of_next.pred_opt()?;
    while day.weekday() != Weekday::Sun {
        day = day.pred_opt()?;
    }
    Some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn formats_feeds_use() {
        let z = NaiveTimezone::Fixed(0);
        let expected = utc("2024-11-20T19:30:00Z");
        for input in [
            "Wed, 20 Nov 2024 21:30:00 +0200",
            "Thu, 20 Nov 2024 21:30:00 +0200",
            "20 Nov 2024 21:30 +0200",
            "Wed, 20 Nov 2024 19:30:00 GMT",
            "Wed, 20 Nov 2024 22:30:00 IDT",
            "Wed, 20 Nov 2024 21:30:00 IST",
            "2024-11-20T21:30:00+02:00",
            "2024-11-20 21:30:00+02:00",
            "2024-11-20T19:30:00Z",
            "2024-11-20T19:30:00",
            "2024-11-20 19:30",
        ] {
            assert_eq!(parse_timestamp(input, z), expected, "{input}");
        }
        assert_eq!(
            parse_timestamp("2024-11-20", z),
            utc("2024-11-20T00:00:00Z")
        );
    }

    #[test]
    fn unreadable_dates_are_none() {
        for input in [
            "",
            "not a date",
            "20/11/2024 21:30",
            "31 Feb 2024 10:00:00 GMT",
            "Wed, 20 Nov 2024 21:30:00 XYZ",
        ] {
            assert_eq!(
                parse_timestamp(input, NaiveTimezone::Fixed(0)),
                None,
                "{input}"
            );
        }
    }

    #[test]
    fn naive_times_in_jerusalem_follow_daylight_saving() {
        let j = NaiveTimezone::Jerusalem;
        assert_eq!(
            parse_timestamp("2024-11-20 21:30", j),
            utc("2024-11-20T19:30:00Z")
        );
        assert_eq!(
            parse_timestamp("2024-07-01 12:00", j),
            utc("2024-07-01T09:00:00Z")
        );
        // 2024: daylight time from Friday 29 March to Sunday 27 October.
        assert_eq!(
            parse_timestamp("2024-03-28 12:00", j),
            utc("2024-03-28T10:00:00Z")
        );
        assert_eq!(
            parse_timestamp("2024-03-29 12:00", j),
            utc("2024-03-29T09:00:00Z")
        );
        assert_eq!(
            parse_timestamp("2024-10-27 12:00", j),
            utc("2024-10-27T10:00:00Z")
        );
        assert_eq!(
            parse_timestamp("2024-11-20T21:30:00", NaiveTimezone::Fixed(-5 * 3600)),
            utc("2024-11-21T02:30:00Z")
        );
    }

    /// chrono's range ends near ±262,143 years: an offset or a zone's rule applied there used to
    /// overflow (a panic inside feed-rs's callback, which failed the whole source on every
    /// poll). Out of the years 1–9999, a date is out of range, whatever the zone.
    #[test]
    fn dates_beyond_four_digit_years_are_out_of_range_in_every_zone() {
        for zone in [
            NaiveTimezone::Fixed(0),
            NaiveTimezone::Fixed(2 * 3600),
            NaiveTimezone::Fixed(-5 * 3600),
            NaiveTimezone::Jerusalem,
        ] {
            for input in [
                "-262143-01-01T00:00",
                "+262142-12-31T23:59:59",
                "-262143-01-01",
                "+262142-12-31",
                "-0001-06-01T00:00:00",
                "0000-01-01T00:00:00",
                "10000-01-01T00:00:00",
                "0000-01-01T00:00:00Z",
                "9999-12-31T23:00:00-05:00",
                "Mon, 01 Jan 0000 00:00:00 GMT",
            ] {
                assert_eq!(
                    parse(input, zone),
                    Parsed::OutOfRange,
                    "{input} in {zone:?}"
                );
            }
            assert_eq!(
                parse("0001-01-01T12:00:00Z", zone),
                Parsed::At(utc("0001-01-01T12:00:00Z").unwrap())
            );
            assert!(matches!(parse("9999-12-31T20:00:00Z", zone), Parsed::At(_)));
            assert_eq!(parse("tomorrow", zone), Parsed::Unreadable);
        }
    }

    proptest::proptest! {
        /// Whatever the string and the zone: an answer, never a panic, and an instant only
        /// within the four-digit years.
        #[test]
        fn any_string_in_any_zone_is_answered_within_the_years(
            input in "[-+ 0-9:TZaeFMJnbu,]{0,32}",
            offset in -86_399i32..86_400,
            jerusalem in proptest::bool::ANY,
        ) {
            let zone = if jerusalem { NaiveTimezone::Jerusalem } else { NaiveTimezone::Fixed(offset) };
            if let Parsed::At(at) = parse(&input, zone) {
                proptest::prop_assert!(YEARS.contains(&at.year()));
            }
        }
    }

    #[test]
    fn far_dates_are_kept() {
        assert_eq!(
            parse_timestamp("Mon, 01 Jan 1900 00:00:00 GMT", NaiveTimezone::Fixed(0)),
            utc("1900-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_timestamp("2100-01-01T00:00:00Z", NaiveTimezone::Fixed(0)),
            utc("2100-01-01T00:00:00Z")
        );
    }
}
