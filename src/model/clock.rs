//! The simulated clock: seconds in an hour and a day, dates, and the daily
//! windows (`"10:00-16:00"`) sites and deployments are given in. Sites and
//! the deployment schedule both read it; it reads neither.

use crate::error::{KeyPath, ValidationError};

/// Seconds in an hour.
pub const HOUR_S: f64 = 3600.0;
/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;

/// A site's `active` windows when the file leaves them out.
pub fn all_day() -> Vec<String> {
    vec!["00:00-24:00".to_string()]
}

/// Days from 1970-01-01 to `date` (`"YYYY-MM-DD"`, proleptic Gregorian),
/// by the civil-from-days inverse in H. Hinnant's date algorithms.
pub fn days_since_epoch(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > month_days[month as usize - 1] {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The daily windows when the cameras run, in seconds since midnight; a
/// window that crosses midnight is two windows.
pub fn active_windows(
    active: &[String],
    path: &KeyPath,
) -> Result<Vec<(f64, f64)>, ValidationError> {
    let mut windows = Vec::new();
    for (i, window) in active.iter().enumerate() {
        let (start, end) =
            parse_window(window).map_err(|message| ValidationError::new(path.index(i), message))?;
        if start < end {
            windows.push((start, end));
        } else {
            windows.push((start, DAY_S));
            windows.push((0.0, end));
        }
    }
    Ok(windows)
}

/// Sorts `parts` and merges those that overlap or touch.
pub fn merge_intervals(parts: &mut Vec<(f64, f64)>) {
    parts.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(parts.len());
    for &(start, end) in parts.iter() {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    *parts = merged;
}

/// Parses `"HH:MM"` into seconds since midnight; `24:00` is the end of the day.
pub fn parse_clock(time: &str) -> Option<f64> {
    let (hours, minutes) = time.trim().split_once(':')?;
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
        return None;
    }
    Some((hours * 3600 + minutes * 60) as f64)
}

/// Parses `"HH:MM-HH:MM"` into seconds since midnight; `24:00` ends the day.
pub fn parse_window(window: &str) -> Result<(f64, f64), String> {
    let bad = || format!("expected a daily window such as \"10:00-16:00\", got \"{window}\"");
    let (start, end) = window.split_once('-').ok_or_else(bad)?;
    let (start, end) = (
        parse_clock(start).ok_or_else(bad)?,
        parse_clock(end).ok_or_else(bad)?,
    );
    if start == end {
        return Err(format!(
            "the window \"{window}\" is empty (start equals end)"
        ));
    }
    if start >= DAY_S {
        return Err(bad());
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_the_epoch() {
        assert_eq!(days_since_epoch("1970-01-01"), Some(0));
        assert_eq!(days_since_epoch("2000-03-01"), Some(11_017));
        assert_eq!(days_since_epoch("2024-09-01"), Some(19_967));
        assert_eq!(
            days_since_epoch("2025-03-01").unwrap() - days_since_epoch("2025-02-28").unwrap(),
            1
        );
        assert_eq!(days_since_epoch("2024-02-30"), None);
        assert_eq!(days_since_epoch("2024-13-01"), None);
        assert_eq!(days_since_epoch("soon"), None);
    }
}
