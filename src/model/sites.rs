//! Camera sites: when they run and how many faces they capture per second.

use crate::error::{KeyPath, ValidationError};
use crate::spec::{Footfall, SiteSection};

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
    /// For each hour of the day, the stretches of it during which the
    /// cameras run, each with a constant rate of usable captures (footfall,
    /// plus any surge, times the capture share).
    pub segments_in_hour: Vec<Vec<Segment>>,
    /// The zone the site is in.
    pub zone: u32,
    /// Who passes: (block, share of the site's footfall); the shares fall
    /// short of 1 by the avoiders' share.
    pub block_shares: Vec<(u32, f64)>,
    /// Per group, the share of the site's footfall avoided.
    pub avoided_share_by_group: Vec<f64>,
}

/// A stretch of an hour with a constant capture rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Start, seconds from the start of the hour.
    pub start_s: f64,
    /// End (exclusive), seconds from the start of the hour.
    pub end_s: f64,
    /// Usable faces captured per second.
    pub captures_per_s: f64,
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
        // Surges: extra people per second over daily [start, end) windows.
        let mut surges: Vec<(f64, f64, f64)> = Vec::new();
        for (i, surge) in s.surges.iter().enumerate() {
            let spath = path.key("surges").index(i);
            let start = parse_clock(&surge.at)
                .filter(|&t| t < DAY_S)
                .ok_or_else(|| {
                    ValidationError::new(
                        spath.key("at"),
                        format!(
                            "expected a clock time such as \"21:45\", got \"{}\"",
                            surge.at
                        ),
                    )
                })?;
            let len = surge.duration.seconds;
            if !(len > 0.0 && len <= DAY_S) {
                return Err(ValidationError::new(
                    spath.key("duration"),
                    "expected a duration above zero and at most 24h",
                ));
            }
            if !(surge.people.is_finite() && surge.people >= 0.0) {
                return Err(ValidationError::new(
                    spath.key("people"),
                    format!("expected a number of people ≥ 0, got {}", surge.people),
                ));
            }
            let rate = surge.people / len;
            let end = start + len;
            if end <= DAY_S {
                surges.push((start, end, rate));
            } else {
                surges.push((start, DAY_S, rate));
                surges.push((0.0, end - DAY_S, rate));
            }
        }
        let segments_in_hour = (0..24)
            .map(|h| {
                let (h0, h1) = (h as f64 * HOUR_S, (h + 1) as f64 * HOUR_S);
                let mut active: Vec<(f64, f64)> = windows
                    .iter()
                    .filter_map(|&(a, b)| {
                        let (lo, hi) = (a.max(h0), b.min(h1));
                        (lo < hi).then_some((lo, hi))
                    })
                    .collect();
                merge_intervals(&mut active);
                // Cut the active stretches at every surge edge; each piece
                // has a constant rate.
                let mut cuts: Vec<f64> = surges.iter().flat_map(|&(a, b, _)| [a, b]).collect();
                cuts.sort_by(f64::total_cmp);
                let mut segments = Vec::new();
                for (a, b) in active {
                    let mut edges = vec![a];
                    edges.extend(cuts.iter().copied().filter(|&c| c > a && c < b));
                    edges.push(b);
                    for w in edges.windows(2) {
                        let mid = 0.5 * (w[0] + w[1]);
                        let surge: f64 = surges
                            .iter()
                            .filter(|&&(sa, sb, _)| sa <= mid && mid < sb)
                            .map(|&(_, _, r)| r)
                            .sum();
                        let rate = captures_per_s[h] + surge * s.capture_share;
                        segments.push(Segment {
                            start_s: w[0] - h0,
                            end_s: w[1] - h0,
                            captures_per_s: rate,
                        });
                    }
                }
                segments
            })
            .collect();
        Ok(Site {
            name: s.name.clone(),
            cameras: s.cameras,
            capture_share: s.capture_share,
            segments_in_hour,
            zone: 0,
            block_shares: Vec::new(),
            avoided_share_by_group: Vec::new(),
        })
    }

    /// The highest capture rate of any stretch, per hour.
    pub fn peak_captures_per_hour(&self) -> f64 {
        self.segments_in_hour
            .iter()
            .flatten()
            .map(|seg| seg.captures_per_s * HOUR_S)
            .fold(0.0, f64::max)
    }

    /// Expected usable faces over `[0, duration_s)`.
    pub fn expected_captures(&self, duration_s: f64) -> f64 {
        let mut total = 0.0;
        let hours = (duration_s / HOUR_S).ceil() as u64;
        for hour in 0..hours {
            let hour_start = hour as f64 * HOUR_S;
            let hod = (hour % 24) as usize;
            for seg in &self.segments_in_hour[hod] {
                let len = (seg.end_s.min(duration_s - hour_start) - seg.start_s).max(0.0);
                total += seg.captures_per_s * len;
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

/// Parses `"HH:MM"` into seconds since midnight; `24:00` is the end of the day.
fn parse_clock(t: &str) -> Option<f64> {
    let (h, m) = t.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return None;
    }
    Some((h * 3600 + m * 60) as f64)
}

/// Parses `"HH:MM-HH:MM"` into seconds since midnight; `24:00` ends the day.
fn parse_window(w: &str) -> Result<(f64, f64), String> {
    let bad = || format!("expected a daily window such as \"10:00-16:00\", got \"{w}\"");
    let (a, b) = w.split_once('-').ok_or_else(bad)?;
    let (a, b) = (
        parse_clock(a).ok_or_else(bad)?,
        parse_clock(b).ok_or_else(bad)?,
    );
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
            surges: vec![],
            zone: None,
        };
        let site = Site::build(&s, &KeyPath::keys(&["sites"])).unwrap();
        // 2.5 active hours a day at 1,800 captures an hour.
        assert!((site.expected_captures(DAY_S) - 4_500.0).abs() < 1e-9);
        // Two days.
        assert!((site.expected_captures(2.0 * DAY_S) - 9_000.0).abs() < 1e-9);
        // A run that ends at 23:00 sees 00:00–01:00 and 22:30–23:00.
        assert!((site.expected_captures(23.0 * HOUR_S) - 2_700.0).abs() < 1e-9);
    }

    #[test]
    fn surges_add_their_people_while_cameras_run() {
        let s = SiteSection {
            name: "gate".into(),
            cameras: 1,
            footfall_per_hour: Footfall::Flat(1000.0),
            capture_share: 0.5,
            active: vec!["00:00-24:00".into()],
            surges: vec![crate::spec::SurgeSection {
                at: "23:45".into(),
                duration: crate::spec::DurationText::parse("30m").unwrap(),
                people: 20_000.0,
            }],
            zone: None,
        };
        let site = Site::build(&s, &KeyPath::keys(&["sites"])).unwrap();
        // 24,000 a day plus the surge, both half captured.
        assert!((site.expected_captures(DAY_S) - 22_000.0).abs() < 1e-6);
        assert!((site.peak_captures_per_hour() - 20_500.0).abs() < 1e-6);
    }
}
