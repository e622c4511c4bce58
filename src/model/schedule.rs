//! When the cameras run: every day by a site's own `active` windows, or —
//! for the sites a `[[deployments]]` schedule names — only during its
//! deployments. [`Site::stretches`] gives both as stretches of constant
//! rate within one hour of the run, each naming its deployment, which is
//! all the face engine and the expectations need to know of either.

use super::clock::{DAY_S, HOUR_S, days_since_epoch, parse_clock};
use super::limits::Mode;
use super::sites::{City, Site, SitePlan, Window};
use crate::error::{KeyPath, ValidationError};
use crate::spec::{DeploymentSection, ScenarioFile};
use std::collections::HashMap;

pub use crate::spec::MAX_DEPLOYMENTS;

/// A stretch not in any deployment.
pub const NO_DEPLOYMENT: u32 = u32::MAX;

/// A stretch of one site's running cameras at a constant rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    /// Start, seconds from the start of the run.
    pub start_s: f64,
    /// End, seconds from the start of the run.
    pub end_s: f64,
    /// Faces captured per second.
    pub captures_per_s: f64,
    /// The deployment it belongs to, or [`NO_DEPLOYMENT`].
    pub deployment: u32,
}

impl Site {
    /// A scheduled site's busiest hour of the clock and the faces expected
    /// in it on the busiest day it runs.
    pub(super) fn busiest_scheduled_hour(&self) -> (usize, f64) {
        let mut best = (0, 0.0);
        let mut by_hour = |hour: u64, faces: f64| {
            let clock = (hour % 24) as usize;
            if faces > best.1 || (faces == best.1 && clock < best.0) {
                best = (clock, faces);
            }
        };
        for window in &self.schedule {
            let first = (window.start_s / HOUR_S).floor() as u64;
            let last = (window.end_s / HOUR_S).ceil() as u64;
            for hour in first..last {
                let mut faces = 0.0;
                let (from, to) = (hour as f64 * HOUR_S, (hour + 1) as f64 * HOUR_S);
                self.captures_between(from, to, |_, f| faces += f);
                by_hour(hour, faces);
            }
        }
        best
    }

    /// The stretches of hour `hour` of the run (from 0) in which the
    /// cameras run, in time order, into `out` (cleared first). Without a
    /// schedule these are the day's segments for that hour of the clock —
    /// in the same order as ever, so that runs without a schedule draw what
    /// they always drew.
    pub fn stretches(&self, hour: u64, out: &mut Vec<Stretch>) {
        out.clear();
        let hour_start = hour as f64 * HOUR_S;
        let segments = &self.segments_in_hour[(hour % 24) as usize];
        if self.schedule.is_empty() {
            out.extend(segments.iter().map(|segment| Stretch {
                start_s: hour_start + segment.start_s,
                end_s: hour_start + segment.end_s,
                captures_per_s: segment.captures_per_s,
                deployment: NO_DEPLOYMENT,
            }));
            return;
        }
        let hour_end = hour_start + HOUR_S;
        let first = self.schedule.partition_point(|w| w.end_s <= hour_start);
        for window in self.schedule[first..]
            .iter()
            .take_while(|w| w.start_s < hour_end)
        {
            for segment in segments {
                let start_s = (hour_start + segment.start_s).max(window.start_s);
                let end_s = (hour_start + segment.end_s).min(window.end_s);
                if start_s < end_s {
                    out.push(Stretch {
                        start_s,
                        end_s,
                        captures_per_s: segment.captures_per_s * window.scale,
                        deployment: window.deployment,
                    });
                }
            }
        }
    }

    /// Expected faces captured in `[from_s, to_s)`, deployment by
    /// deployment: `add(deployment, faces)` for each stretch.
    pub fn captures_between(&self, from_s: f64, to_s: f64, mut add: impl FnMut(u32, f64)) {
        self.stretches_between(from_s, to_s, |deployment, _, _, faces| {
            add(deployment, faces)
        });
    }

    /// [`SitePlan::captures_between`], with each stretch's bounds:
    /// `add(deployment, start_s, end_s, faces)`, at a constant rate between
    /// them.
    pub fn stretches_between(
        &self,
        from_s: f64,
        to_s: f64,
        mut add: impl FnMut(u32, f64, f64, f64),
    ) {
        let mut stretches = Vec::new();
        let first = (from_s / HOUR_S).floor().max(0.0) as u64;
        let last = (to_s / HOUR_S).ceil() as u64;
        for hour in first..last {
            self.stretches(hour, &mut stretches);
            for s in &stretches {
                let (start_s, end_s) = (s.start_s.max(from_s), s.end_s.min(to_s));
                let length = end_s - start_s;
                if length > 0.0 {
                    add(s.deployment, start_s, end_s, s.captures_per_s * length);
                }
            }
        }
    }
}

/// A deployment's place in time and the sites it runs, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// Name in reports.
    pub name: String,
    /// Day of the run it starts on.
    pub day: u32,
    /// Start, seconds from the start of the run.
    pub start_s: f64,
    /// End, seconds from the start of the run.
    pub end_s: f64,
    /// Its sites, by index.
    pub sites: Vec<u32>,
}

/// The schedule's slots, in file order, and each site's plan (with no
/// windows for a site no deployment names).
pub fn slots(
    file: &ScenarioFile,
    duration_s: f64,
) -> Result<(Vec<Slot>, Vec<SitePlan>), ValidationError> {
    let path = KeyPath::keys(&["deployments"]);
    let start_date = file
        .simulation
        .start_date
        .as_deref()
        .map(|date| {
            days_since_epoch(date).ok_or_else(|| {
                ValidationError::new(
                    KeyPath::keys(&["simulation", "start_date"]),
                    format!("expected a date such as \"2024-09-01\", got \"{date}\""),
                )
            })
        })
        .transpose()?;
    if file.deployments.len() > MAX_DEPLOYMENTS {
        return Err(ValidationError::new(
            path,
            format!(
                "expected at most {MAX_DEPLOYMENTS} deployments, got {}",
                file.deployments.len()
            ),
        ));
    }
    let mut sites = SiteIndex::new(file);
    let mut slots = Vec::with_capacity(file.deployments.len());
    let mut windows: Vec<Vec<Window>> = vec![Vec::new(); file.sites.len()];
    for (i, section) in file.deployments.iter().enumerate() {
        let at = (&path.index(i), i);
        let slot = Slot::build(section, at, file, &mut sites, start_date, duration_s)?;
        for &site in &slot.sites {
            windows[site as usize].push(Window {
                start_s: slot.start_s,
                end_s: slot.end_s,
                deployment: i as u32,
                scale: 1.0,
            });
        }
        slots.push(slot);
    }
    let mut plans = Vec::with_capacity(windows.len());
    for (site, mut windows) in windows.into_iter().enumerate() {
        windows.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        if let Some(pair) = windows
            .windows(2)
            .find(|pair| pair[1].start_s < pair[0].end_s)
        {
            let (earlier, later) = (pair[0].deployment as usize, pair[1].deployment as usize);
            return Err(ValidationError::new(
                path.index(later).key("start"),
                format!(
                    "deployments \"{}\" and \"{}\" overlap at site \"{}\": a site's cameras \
                     run for one deployment at a time",
                    slots[earlier].name, slots[later].name, file.sites[site].name
                ),
            ));
        }
        let faces_from_deployments = !windows.is_empty()
            && windows
                .iter()
                .all(|w| file.deployments[w.deployment as usize].faces.is_some());
        plans.push(SitePlan {
            windows,
            faces_from_deployments,
        });
    }
    Ok((slots, plans))
}

/// The sites, each built whole: a site a deployment with `faces` names has
/// that deployment's window scaled so that its passers' faces total
/// `faces` in expectation, decided here, before any deployment is built, so
/// that nothing changes a site afterwards.
pub fn sites(
    file: &ScenarioFile,
    mode: Mode,
    city: &City,
    duration_s: f64,
    (slots, plans): (&[Slot], &[SitePlan]),
) -> Result<Vec<Site>, ValidationError> {
    let mut sites = Site::build_all(&file.sites, mode, city, duration_s, plans)?;
    for (i, (slot, section)) in slots.iter().zip(&file.deployments).enumerate() {
        let path = KeyPath::keys(&["deployments"]).index(i);
        check_faces(section, &path)?;
        if let Some(faces) = section.faces {
            scale_to_faces(file, &mut sites, slot, i as u32, faces, &path)?;
        }
    }
    Ok(sites)
}

/// A deployment's faces, if given, are a number ≥ 0.
fn check_faces(section: &DeploymentSection, path: &KeyPath) -> Result<(), ValidationError> {
    match section.faces {
        Some(faces) if !(faces.is_finite() && faces >= 0.0) => Err(ValidationError::new(
            path.key("faces"),
            format!("expected a number of faces ≥ 0, got {faces}"),
        )),
        _ => Ok(()),
    }
}

/// Scales the windows of deployment `deployment`, `slot`, at its sites so
/// that its passers' faces total `faces` in expectation. Only its own sites
/// are visited (in site order, as the sum always ran), and at each its
/// window is found by its start: a schedule of thousands of deployments
/// would otherwise make this quadratic.
fn scale_to_faces(
    file: &ScenarioFile,
    sites: &mut [Site],
    slot: &Slot,
    deployment: u32,
    faces: f64,
    path: &KeyPath,
) -> Result<(), ValidationError> {
    let mut at = slot.sites.clone();
    at.sort_unstable();
    let window_of = |site: &Site| {
        let i = site.schedule.partition_point(|w| w.start_s < slot.start_s);
        Some(i).filter(|&i| {
            site.schedule
                .get(i)
                .is_some_and(|w| w.deployment == deployment)
        })
    };
    let mut relative = 0.0;
    for &index in &at {
        let site = &sites[index as usize];
        let Some(window) = window_of(site).map(|i| site.schedule[i]) else {
            continue;
        };
        if file.sites[index as usize].faces.is_some() {
            return Err(ValidationError::new(
                path.key("faces"),
                format!(
                    "site \"{}\" gives its own faces over the run; give faces either per \
                     site or per deployment, not both",
                    site.name
                ),
            ));
        }
        let passing: f64 = site.block_shares.iter().map(|&(_, share)| share).sum();
        site.captures_between(window.start_s, window.end_s, |d, f| {
            if d == deployment {
                relative += f * passing;
            }
        });
    }
    if faces > 0.0 && relative <= 0.0 {
        return Err(ValidationError::new(
            path.key("faces"),
            format!(
                "{faces} faces cannot be captured: its sites capture no one in its hours \
                 (their hourly_profile or footfall is zero then, or no one passes them)"
            ),
        ));
    }
    let scale = if relative > 0.0 {
        faces / relative
    } else {
        0.0
    };
    for &index in &at {
        let site = &mut sites[index as usize];
        if let Some(i) = window_of(site) {
            site.schedule[i].scale = scale;
        }
    }
    Ok(())
}

/// The sites by name, and which deployment last named each: a deployment's
/// sites are looked up and checked for repeats in time proportional to
/// them, not to every site (a schedule of thousands of rows over thousands
/// of sites would otherwise be quadratic).
struct SiteIndex<'a> {
    by_name: HashMap<&'a str, u32>,
    named_by: Vec<usize>,
}

impl<'a> SiteIndex<'a> {
    fn new(file: &'a ScenarioFile) -> Self {
        let mut by_name = HashMap::with_capacity(file.sites.len());
        // The first of two sites of one name, as a scan would find (the
        // second is refused when the sites are built).
        for (i, site) in file.sites.iter().enumerate().rev() {
            by_name.insert(site.name.as_str(), i as u32);
        }
        SiteIndex {
            by_name,
            named_by: vec![usize::MAX; file.sites.len()],
        }
    }
}

impl Slot {
    fn build(
        section: &DeploymentSection,
        (path, index): (&KeyPath, usize),
        file: &ScenarioFile,
        index_of: &mut SiteIndex,
        start_date: Option<i64>,
        duration_s: f64,
    ) -> Result<Slot, ValidationError> {
        let day = match (section.day, &section.date) {
            (Some(day), None) => day as i64,
            (None, Some(date)) => {
                let Some(start) = start_date else {
                    return Err(ValidationError::new(
                        path.key("date"),
                        "a deployment's date needs simulation.start_date (the date of day 0)",
                    ));
                };
                let days = days_since_epoch(date).ok_or_else(|| {
                    ValidationError::new(
                        path.key("date"),
                        format!("expected a date such as \"2024-09-05\", got \"{date}\""),
                    )
                })?;
                days - start
            }
            (Some(_), Some(_)) => {
                return Err(ValidationError::new(
                    path.key("date"),
                    "give either day (from 0) or date, not both",
                ));
            }
            (None, None) => {
                return Err(ValidationError::new(
                    path.key("day"),
                    "expected day (the day of the run, from 0) or date (\"YYYY-MM-DD\")",
                ));
            }
        };
        let clock = |key: &str, text: &str| {
            parse_clock(text).filter(|&t| t < DAY_S).ok_or_else(|| {
                ValidationError::new(
                    path.key(key),
                    format!("expected a clock time such as \"10:00\", got \"{text}\""),
                )
            })
        };
        let (start, end) = (clock("start", &section.start)?, clock("end", &section.end)?);
        if start == end {
            return Err(ValidationError::new(
                path.key("end"),
                "the deployment ends when it starts: give an end after the start (an end \
                 before the start is on the next day)",
            ));
        }
        let start_s = day as f64 * DAY_S + start;
        let end_s = start_s + (end - start).rem_euclid(DAY_S);
        if day < 0 || end_s > duration_s {
            return Err(ValidationError::new(
                path.key(if section.date.is_some() {
                    "date"
                } else {
                    "day"
                }),
                format!(
                    "the deployment runs from {:.2} to {:.2} days into the run, outside the \
                     simulated {:.2} days (simulation.duration)",
                    start_s / DAY_S,
                    end_s / DAY_S,
                    duration_s / DAY_S
                ),
            ));
        }
        if section.sites.is_empty() {
            return Err(ValidationError::new(
                path.key("sites"),
                "expected at least one site",
            ));
        }
        let mut sites = Vec::with_capacity(section.sites.len());
        for (j, name) in section.sites.iter().enumerate() {
            let Some(&site) = index_of.by_name.get(name.as_str()) else {
                return Err(ValidationError::new(
                    path.key("sites").index(j),
                    format!(
                        "\"{name}\" is not a site{}",
                        crate::error::did_you_mean(
                            name,
                            file.sites.iter().map(|s| s.name.as_str())
                        )
                    ),
                ));
            };
            if std::mem::replace(&mut index_of.named_by[site as usize], index) == index {
                return Err(ValidationError::new(
                    path.key("sites").index(j),
                    format!("site \"{name}\" is named twice"),
                ));
            }
            sites.push(site);
        }
        Ok(Slot {
            name: section
                .name
                .clone()
                .unwrap_or_else(|| format!("deployment {}", index + 1)),
            day: day as u32,
            start_s,
            end_s,
            sites,
        })
    }
}
