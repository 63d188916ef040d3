//! Timestamps: whole seconds since the Unix epoch, shown as RFC 3339 UTC
//! (`2026-12-02T06:14:45Z`). Written here rather than with a date crate because the store
//! needs only three operations: format, parse its own format back, and add calendar months
//! (a GDPR "month" is a calendar month: 31 January + 1 month = 28 or 29 February).
//!
//! The fixed-width format sorts lexicographically in time order, which the SQL queries on
//! due dates rely on.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in time, whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The system clock now (the epoch if the clock is before it).
    pub fn now() -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp(secs)
    }

    /// Parses the `YYYY-MM-DDTHH:MM:SSZ` form this type writes; `None` for anything else.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = text.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 {
            return None;
        }
        if s > 59 {
            return None;
        }
        Some(Timestamp(
            days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s,
        ))
    }

    /// This time plus `months` calendar months, the day clamped to the month's last day.
    pub fn plus_months(self, months: u32) -> Timestamp {
        let (days, rem) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        let total = y * 12 + (m - 1) + i64::from(months);
        let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let nd = d.min(days_in_month(ny, nm));
        Timestamp(days_from_civil(ny, nm, nd) * 86_400 + rem)
    }

    /// This time plus whole days.
    pub fn plus_days(self, days: i64) -> Timestamp {
        Timestamp(self.0 + days * 86_400)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, rem) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Timestamp::parse(&s).ok_or_else(|| format!("not an RFC 3339 UTC timestamp: {s:?}"))
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_back_the_same_instant() {
        for secs in [0, 951_782_400, 1_796_191_285, 4_102_444_799] {
            let t = Timestamp(secs);
            assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        }
        assert_eq!(Timestamp(1_796_192_085).to_string(), "2026-12-02T06:14:45Z");
    }

    #[test]
    fn a_month_after_january_31_is_the_last_day_of_february() {
        let t = Timestamp::parse("2028-01-31T10:00:00Z").unwrap();
        assert_eq!(t.plus_months(1).to_string(), "2028-02-29T10:00:00Z");
        assert_eq!(t.plus_months(3).to_string(), "2028-04-30T10:00:00Z");
        let t = Timestamp::parse("2026-12-15T00:00:01Z").unwrap();
        assert_eq!(t.plus_months(1).to_string(), "2027-01-15T00:00:01Z");
    }

    #[test]
    fn parse_rejects_other_forms() {
        for bad in [
            "2026-12-02 06:14:45Z",
            "2026-02-30T00:00:00Z",
            "2026-12-02T06:14:45+01:00",
            "2026-12-02T24:00:00Z",
            "",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
