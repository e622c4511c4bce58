//! Camera sites: when they run and how many faces they capture per second.

use crate::error::{KeyPath, ValidationError};
use crate::scenario::file::{Footfall, SiteSection};

/// Seconds in an hour.
pub const HOUR_S: f64 = 3600.0;
/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;

/// A validated camera site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Name.
    pub name: String,
    /// Cameras (informational until the pipeline model uses it).
    pub cameras: u32,
    /// Share of passers captured at usable quality.
    pub capture_share: f64,
    /// Usable faces captured per second, for each hour of the day.
    pub captures_per_s: [f64; 24],
    /// For each hour of the day, the active parts of that hour as
    /// `[start, end)` offsets in seconds from the start of the hour.
    pub active_in_hour: Vec<Vec<(f64, f64)>>,
}

impl Site {
    /// Validates a `[[sites]]` entry.
    pub fn build(s: &SiteSection, path: &KeyPath) -> Result<Site, ValidationError> {
        if s.cameras == 0 {
            return Err(ValidationError::new(
                path.key("cameras"),
                "a site needs at least one camera",
            ));
        }
        let share_ok = s.capture_share.is_finite() && (0.0..=1.0).contains(&s.capture_share);
        if !share_ok {
            return Err(ValidationError::new(
                path.key("capture_share"),
                format!("expected a share in [0, 1], got {}", s.capture_share),
            ));
        }
        let fpath = path.key("footfall_per_hour");
        let hourly: Vec<f64> = match &s.footfall_per_hour {
            Footfall::Flat(r) => vec![*r; 24],
            Footfall::Hourly(v) if v.len() == 24 => v.clone(),
            Footfall::Hourly(v) => {
                return Err(ValidationError::new(
                    fpath,
                    format!(
                        "expected one rate or 24 hourly rates, got {} values",
                        v.len()
                    ),
                ));
            }
        };
        let mut captures_per_s = [0.0; 24];
        for (h, rate) in hourly.iter().enumerate() {
            if !rate.is_finite() || *rate < 0.0 {
                return Err(ValidationError::new(
                    fpath,
                    format!("expected people per hour ≥ 0, got {rate} (hour {h})"),
                ));
            }
            captures_per_s[h] = rate * s.capture_share / HOUR_S;
        }
        let mut windows = Vec::new();
        for (i, w) in s.active.iter().enumerate() {
            let (a, b) = parse_window(w)
                .map_err(|m| ValidationError::new(path.key("active").index(i), m))?;
            // A window that crosses midnight is two windows.
            if a < b {
                windows.push((a, b));
            } else {
                windows.push((a, DAY_S));
                windows.push((0.0, b));
            }
        }
        let active_in_hour = (0..24)
            .map(|h| {
                let (h0, h1) = (h as f64 * HOUR_S, (h + 1) as f64 * HOUR_S);
                let mut parts: Vec<(f64, f64)> = windows
                    .iter()
                    .filter_map(|&(a, b)| {
                        let (lo, hi) = (a.max(h0), b.min(h1));
                        (lo < hi).then_some((lo - h0, hi - h0))
                    })
                    .collect();
                merge_intervals(&mut parts);
                parts
            })
            .collect();
        Ok(Site {
            name: s.name.clone(),
            cameras: s.cameras,
            capture_share: s.capture_share,
            captures_per_s,
            active_in_hour,
        })
    }

    /// Expected usable faces over `[0, duration_s)`.
    pub fn expected_captures(&self, duration_s: f64) -> f64 {
        let mut total = 0.0;
        let hours = (duration_s / HOUR_S).ceil() as u64;
        for hour in 0..hours {
            let hour_start = hour as f64 * HOUR_S;
            let hod = (hour % 24) as usize;
            for &(a, b) in &self.active_in_hour[hod] {
                let len = (b.min(duration_s - hour_start) - a).max(0.0);
                total += self.captures_per_s[hod] * len;
            }
        }
        total
    }
}

fn merge_intervals(parts: &mut Vec<(f64, f64)>) {
    parts.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(parts.len());
    for &(a, b) in parts.iter() {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    *parts = merged;
}

/// Parses `"HH:MM-HH:MM"` into seconds since midnight; `24:00` ends the day.
fn parse_window(w: &str) -> Result<(f64, f64), String> {
    let bad = || format!("expected a daily window such as \"10:00-16:00\", got \"{w}\"");
    let (a, b) = w.split_once('-').ok_or_else(bad)?;
    let clock = |t: &str| -> Result<f64, String> {
        let (h, m) = t.trim().split_once(':').ok_or_else(bad)?;
        let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if m >= 60 || h > 24 || (h == 24 && m > 0) {
            return Err(bad());
        }
        Ok((h * 3600 + m * 60) as f64)
    };
    let (a, b) = (clock(a)?, clock(b)?);
    if a == b {
        return Err(format!("the window \"{w}\" is empty (start equals end)"));
    }
    if a >= DAY_S {
        return Err(bad());
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_and_wrap_midnight() {
        assert_eq!(parse_window("10:00-16:30"), Ok((36_000.0, 59_400.0)));
        assert_eq!(parse_window("00:00-24:00"), Ok((0.0, DAY_S)));
        assert!(parse_window("10:00-10:00").is_err());
        assert!(parse_window("25:00-26:00").is_err());
        assert!(parse_window("10-16").is_err());
    }

    #[test]
    fn expected_captures_follow_windows_and_profile() {
        let s = SiteSection {
            name: "a".into(),
            cameras: 1,
            footfall_per_hour: Footfall::Flat(3600.0),
            capture_share: 0.5,
            active: vec!["22:30-01:00".into()],
        };
        let site = Site::build(&s, &KeyPath::keys(&["sites"])).unwrap();
        // 2.5 active hours a day at 1,800 captures an hour.
        assert!((site.expected_captures(DAY_S) - 4_500.0).abs() < 1e-9);
        // Two days.
        assert!((site.expected_captures(2.0 * DAY_S) - 9_000.0).abs() < 1e-9);
        // A run that ends at 23:00 sees 00:00–01:00 and 22:30–23:00.
        assert!((site.expected_captures(23.0 * HOUR_S) - 2_700.0).abs() < 1e-9);
    }
}
