//! RFC 3339 UTC timestamps, with the precision the capture has.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    match date_time(secs) {
        Some(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        None => format!("@{secs}"),
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
    if nanos {
        format!("{}.{:09}Z", base(ts.secs), ts.nanos)
    } else {
        format!("{}.{:06}Z", base(ts.secs), ts.nanos / 1000)
    }
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
}
