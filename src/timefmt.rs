//! RFC 3339 UTC timestamps, with the precision the capture has.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::digits;

/// A timestamp as seconds and nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

fn date_time(secs: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

fn base(secs: i64) -> String {
    let mut s = String::with_capacity(32);
    push_base(&mut s, secs);
    s
}

/// `2026-11-21T10:02:03` onto `out`. Written digit by digit: every
/// connection's report has a time, and `format!` was a tenth of building it.
fn push_base(out: &mut String, secs: i64) {
    use std::fmt::Write;
    match date_time(secs) {
        Some(t) => {
            // As `{:04}`: the sign counts in the width.
            let y = t.year();
            if y < 0 {
                out.push('-');
                digits::push(out, u64::from(y.unsigned_abs()), 3);
            } else {
                digits::push(out, u64::from(y.unsigned_abs()), 4);
            }
            for (sep, v) in [
                ('-', t.month() as u8),
                ('-', t.day()),
                ('T', t.hour()),
                (':', t.minute()),
                (':', t.second()),
            ] {
                out.push(sep);
                digits::push(out, u64::from(v), 2);
            }
        }
        None => {
            let _ = write!(out, "@{secs}");
        }
    }
}

/// The current time as `2026-11-21T10:02:03Z`.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    seconds(secs)
}

/// `2026-11-21T10:02:03Z`
pub fn seconds(secs: i64) -> String {
    format!("{}Z", base(secs))
}

/// `2026-11-21T10:02:03.123456Z`, or nine digits when the capture has nanoseconds.
pub fn timestamp(ts: Timestamp, nanos: bool) -> String {
    let mut s = String::with_capacity(32);
    push_base(&mut s, ts.secs);
    s.push('.');
    if nanos {
        digits::push(&mut s, u64::from(ts.nanos), 9);
    } else {
        digits::push(&mut s, u64::from(ts.nanos / 1000), 6);
    }
    s.push('Z');
    s
}

/// Parses `--at` (RFC 3339) into Unix seconds.
/// An RFC 3339 time as Unix seconds with their fraction (for drawing).
pub fn seconds_f64(s: &str) -> Option<f64> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos() as f64 / 1e9)
}

pub fn parse_rfc3339(s: &str) -> Result<i64, String> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("--at {s:?} is not an RFC 3339 time (like 2026-11-21T10:02:03Z): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = Timestamp {
            secs: 1_700_000_000,
            nanos: 123_456_789,
        };
        assert_eq!(timestamp(t, false), "2023-11-14T22:13:20.123456Z");
        assert_eq!(timestamp(t, true), "2023-11-14T22:13:20.123456789Z");
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20Z").unwrap(), 1_700_000_000);
        assert!(parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn digit_by_digit_as_format_writes_them() {
        for (secs, nanos) in [
            (0, 0),
            (1_700_000_000, 5),
            (-1, 999_999_999),
            (253_402_300_799, 1_000),
            (-62_135_596_800, 7),
            // Years before 1, to -9999: the sign counts in `{:04}`'s width.
            (-62_198_755_200, 3),
            (-70_000_000_000, 0),
            (-377_705_116_800, 1),
        ] {
            let t = Timestamp { secs, nanos };
            let b = date_time(secs).map_or(format!("@{secs}"), |t| {
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                    t.year(),
                    t.month() as u8,
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            });
            assert_eq!(timestamp(t, true), format!("{b}.{:09}Z", nanos));
            assert_eq!(timestamp(t, false), format!("{b}.{:06}Z", nanos / 1000));
        }
        // Outside what a date can be: the seconds as they are.
        assert_eq!(
            timestamp(
                Timestamp {
                    secs: i64::MAX,
                    nanos: 0
                },
                false
            ),
            format!("@{}.000000Z", i64::MAX)
        );
    }
}
