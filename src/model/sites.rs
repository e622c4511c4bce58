//! Camera sites: when they run, how many faces they capture per second, and
//! whose faces they are.
//!
//! A site's day is cut, hour by hour, into stretches of constant capture
//! rate (its active windows, its hourly footfall, its surges), so that
//! captures are a piecewise-constant Poisson process. Who is captured is a
//! share of the footfall per (zone, group) block of residents, weighted by
//! activity and by whether they live in the site's zone.

use super::clock::{DAY_S, HOUR_S, active_windows, all_day, merge_intervals, parse_clock};
use super::limits::{MAX_SITES, Mode};
use super::population::{Block, Population};
use crate::error::{KeyPath, ValidationError};
use crate::spec::{Footfall, SiteSection, SurgeSection};
use std::collections::HashSet;

/// A deployment's time at one site: `[start_s, end_s)` from the start of
/// the run, its rates multiplied by `scale` (1, unless the deployment
/// gives its `faces`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Start, seconds from the start of the run.
    pub start_s: f64,
    /// End, seconds from the start of the run.
    pub end_s: f64,
    /// The deployment, by index.
    pub deployment: u32,
    /// What the site's rates are multiplied by in it.
    pub scale: f64,
}

/// What a deployment schedule says of one site: its windows, and whether
/// every deployment naming it gives its faces (then the site needs no rate
/// of its own).
#[derive(Debug, Clone, Default)]
pub struct SitePlan {
    /// Its deployments, in time order.
    pub windows: Vec<Window>,
    /// Whether some deployments name the site and all of them give `faces`.
    pub faces_from_deployments: bool,
}

/// A validated camera site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Name.
    pub name: String,
    /// Cameras: with a pipeline, the site detects faces at this many times
    /// one camera's rate. Footfall is per site, not per camera.
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
    /// With a deployment schedule that names the site, its deployments in
    /// time order: the cameras run only then, at `segments_in_hour`'s
    /// rates times each window's scale. Empty: every day, as the segments say.
    pub schedule: Vec<Window>,
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

/// The city around the sites: what a site needs to know to say who passes it.
#[derive(Debug, Clone, Copy)]
pub struct City<'a> {
    /// The residents, their groups and home zones.
    pub population: &'a Population,
    /// The residents by (zone, group).
    pub blocks: &'a [Block],
    /// Whether wanted passers are drawn at footfall rate rather than at the
    /// capture rate (walk-past rates, see [`super::RatesPer`]).
    pub walk_past: bool,
}

/// Extra people per second over a daily stretch `[start_s, end_s)`, in
/// seconds since midnight.
#[derive(Debug, Clone, Copy)]
struct Surge {
    start_s: f64,
    end_s: f64,
    people_per_s: f64,
}

impl Site {
    /// Validates `[[sites]]`: at least one site unless faces arrive in a
    /// batch, unique names, each site whole, over a run of `duration_s`.
    pub fn build_all(
        sections: &[SiteSection],
        mode: Mode,
        city: &City,
        duration_s: f64,
        plans: &[SitePlan],
    ) -> Result<Vec<Site>, ValidationError> {
        let path = KeyPath::keys(&["sites"]);
        if sections.is_empty() && mode == Mode::Footfall {
            return Err(ValidationError::new(
                path,
                "expected at least one site (or simulation.mode = \"batch\")",
            ));
        }
        if sections.len() > MAX_SITES {
            return Err(ValidationError::new(
                path,
                format!("expected at most {MAX_SITES} sites, got {}", sections.len()),
            ));
        }
        // A set, not a scan of the earlier names: `check` builds the model
        // hundreds of times, and a scan is quadratic in the sites.
        let mut names = HashSet::with_capacity(sections.len());
        sections
            .iter()
            .enumerate()
            .map(|(i, section)| {
                let here = path.index(i);
                if !names.insert(section.name.as_str()) {
                    return Err(ValidationError::new(
                        here.key("name"),
                        format!("site name \"{}\" is used twice", section.name),
                    ));
                }
                let plan = plans.get(i).cloned().unwrap_or_default();
                Site::build(section, &here, city, duration_s, plan)
            })
            .collect()
    }

    /// Validates a `[[sites]]` entry, found at `path`, standing in `city`,
    /// for a run of `duration_s` (over which a site given as `faces`
    /// captures exactly that many faces in expectation), run by the
    /// deployments of `plan` if any name it.
    pub fn build(
        section: &SiteSection,
        path: &KeyPath,
        city: &City,
        duration_s: f64,
        plan: SitePlan,
    ) -> Result<Site, ValidationError> {
        if section.cameras == 0 {
            return Err(ValidationError::new(
                path.key("cameras"),
                "a site needs at least one camera",
            ));
        }
        let capture_share = section.capture_share;
        if !(capture_share.is_finite() && (0.0..=1.0).contains(&capture_share)) {
            return Err(ValidationError::new(
                path.key("capture_share"),
                format!("expected a share in [0, 1], got {capture_share}"),
            ));
        }
        let rate = Rate::of(section, path, plan.faces_from_deployments)?;
        let captures_per_s = match &rate {
            Rate::Footfall(footfall) => {
                hourly_captures(footfall, capture_share, &path.key("footfall_per_hour"))?
            }
            Rate::Faces { .. } | Rate::FromDeployments => hourly_weights(
                section.hourly_profile.as_deref(),
                &path.key("hourly_profile"),
            )?,
        };
        if !plan.windows.is_empty() && section.active != all_day() {
            return Err(ValidationError::new(
                path.key("active"),
                format!(
                    "site \"{}\" runs only during the [[deployments]] that name it: drop its \
                     active windows",
                    section.name
                ),
            ));
        }
        let windows = active_windows(&section.active, &path.key("active"))?;
        let surges = surges(&section.surges, &path.key("surges"))?;
        let segments_in_hour = (0..24)
            .map(|hour| segments(hour, &windows, &surges, captures_per_s[hour], capture_share))
            .collect();
        let zone = city.zone(section.zone.as_deref(), &path.key("zone"))?;
        let (block_shares, avoided_share_by_group) = city.passers(zone, capture_share);
        let mut site = Site {
            name: section.name.clone(),
            cameras: section.cameras,
            capture_share,
            segments_in_hour,
            zone,
            block_shares,
            avoided_share_by_group,
            schedule: plan.windows,
        };
        if let Rate::Faces(faces) = rate {
            site.scale_to(faces, duration_s, &path.key("faces"))?;
        }
        Ok(site)
    }

    /// Scales the capture rates, so far relative, so that the site's faces
    /// over `[0, duration_s)` — its captures times the share of them its
    /// passers make (less the avoiders, plus wanted walk-pasts) — are
    /// `faces` in expectation.
    fn scale_to(
        &mut self,
        faces: f64,
        duration_s: f64,
        path: &KeyPath,
    ) -> Result<(), ValidationError> {
        let passing: f64 = self.block_shares.iter().map(|&(_, share)| share).sum();
        let relative = self.expected_captures(duration_s) * passing;
        if faces > 0.0 && relative <= 0.0 {
            return Err(ValidationError::new(
                path.clone(),
                format!(
                    "{faces} faces cannot be captured: the cameras never run in the simulated \
                     time (its active windows, with hourly_profile's non-zero hours), or no one \
                     passes the site"
                ),
            ));
        }
        let scale = if relative > 0.0 {
            faces / relative
        } else {
            0.0
        };
        for segment in self.segments_in_hour.iter_mut().flatten() {
            segment.captures_per_s *= scale;
        }
        Ok(())
    }

    /// The busiest hour of the clock (0–23, the first of any tie) and the
    /// faces expected in it on one day.
    pub fn busiest_hour(&self) -> (usize, f64) {
        if !self.schedule.is_empty() {
            return self.busiest_scheduled_hour();
        }
        self.segments_in_hour
            .iter()
            .map(|segments| {
                segments
                    .iter()
                    .map(|s| s.captures_per_s * (s.end_s - s.start_s))
                    .sum::<f64>()
            })
            .enumerate()
            .fold(
                (0, 0.0),
                |best, (hour, faces)| {
                    if faces > best.1 { (hour, faces) } else { best }
                },
            )
    }

    /// Expected usable faces over `[0, duration_s)`.
    pub fn expected_captures(&self, duration_s: f64) -> f64 {
        let mut total = 0.0;
        self.captures_between(0.0, duration_s, |_, faces| total += faces);
        total
    }
}

impl City<'_> {
    /// The index of the zone a site names, at `path`.
    fn zone(&self, name: Option<&str>, path: &KeyPath) -> Result<u32, ValidationError> {
        let zones = &self.population.zones;
        match (name, self.population.zones_named) {
            (None, false) => Ok(0),
            (None, true) => Err(ValidationError::new(
                path.clone(),
                "expected the zone the site is in (the scenario has [[zones]])",
            )),
            (Some(name), _) => zones
                .iter()
                .position(|zone| zone == name)
                .map(|index| index as u32)
                .ok_or_else(|| {
                    ValidationError::new(
                        path.clone(),
                        format!("no zone is named \"{name}\" (zones: {})", zones.join(", ")),
                    )
                }),
        }
    }

    /// Who passes a site in `zone` that captures `capture_share` of its
    /// passers: each block's share of the site's footfall, and per group the
    /// share avoided.
    fn passers(&self, zone: u32, capture_share: f64) -> (Vec<(u32, f64)>, Vec<f64>) {
        let groups = &self.population.groups;
        let home_bias = self.population.home_bias;
        // Each block in proportion to its members' activity, locals
        // `home_bias` times as likely per head; avoiders' share of the
        // footfall is removed (displaced away from covered sites).
        let weight = |block: &Block, members: u32| {
            let bias = if block.zone == zone { home_bias } else { 1.0 };
            members as f64 * groups[block.group as usize].activity * bias
        };
        let full: f64 = self
            .blocks
            .iter()
            .map(|block| weight(block, block.residents))
            .sum();
        // A site's rate is footfall × capture_share. With walk-past rates a
        // wanted passer's walk past is itself the trial (its TPIR already
        // includes failing to capture the face), so their block's share is
        // divided by the capture share: wanted people are drawn at footfall
        // rate, everyone else at the capture rate.
        let walk_past_share = |block: &Block| {
            if self.walk_past && block.wanted > 0 && capture_share > 0.0 {
                1.0 / capture_share
            } else {
                1.0
            }
        };
        let block_shares = self
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, block)| block.passers() > 0)
            .map(|(i, block)| {
                let share = weight(block, block.passers()) / full * walk_past_share(block);
                (i as u32, share)
            })
            .filter(|&(_, share)| share > 0.0)
            .collect();
        let mut avoided = vec![0.0; groups.len()];
        for block in self.blocks {
            avoided[block.group as usize] += weight(block, block.avoiders) / full;
        }
        (block_shares, avoided)
    }
}

/// How a site says how many faces it captures.
enum Rate<'a> {
    /// People per hour, times the capture share.
    Footfall(&'a Footfall),
    /// Faces over the whole run, shaped by the hourly profile.
    Faces(f64),
    /// Faces over each deployment, given by the deployments that name it;
    /// the hourly profile shapes them.
    FromDeployments,
}

impl<'a> Rate<'a> {
    /// Exactly one of `footfall_per_hour` and `faces`; an hourly profile and
    /// surges only where they mean something.
    fn of(
        section: &'a SiteSection,
        path: &KeyPath,
        faces_from_deployments: bool,
    ) -> Result<Rate<'a>, ValidationError> {
        match (&section.footfall_per_hour, section.faces) {
            (None, None) if faces_from_deployments && section.surges.is_empty() => {
                Ok(Rate::FromDeployments)
            }
            (Some(_), Some(_)) => Err(ValidationError::new(
                path.key("faces"),
                "give either `faces` (faces captured over the run) or `footfall_per_hour` \
                 (people per hour, times capture_share), not both",
            )),
            (None, None) => Err(ValidationError::new(
                path.key("footfall_per_hour"),
                "expected `footfall_per_hour` (people passing per hour) or `faces` (faces \
                 captured over the whole run), unless every deployment naming the site gives \
                 its `faces`",
            )),
            (Some(_), None) if section.hourly_profile.is_some() => Err(ValidationError::new(
                path.key("hourly_profile"),
                "hourly_profile shapes `faces`; with footfall_per_hour, give its 24 hourly \
                 numbers instead",
            )),
            (Some(footfall), None) => Ok(Rate::Footfall(footfall)),
            (None, Some(faces)) if !(faces.is_finite() && faces >= 0.0) => {
                Err(ValidationError::new(
                    path.key("faces"),
                    format!("expected a number of faces ≥ 0, got {faces}"),
                ))
            }
            (None, Some(_)) if !section.surges.is_empty() => Err(ValidationError::new(
                path.key("surges"),
                "surges add people to a footfall; a site given as `faces` has its total \
                 fixed: shape it with hourly_profile instead",
            )),
            (None, Some(faces)) => Ok(Rate::Faces(faces)),
        }
    }
}

/// The relative rate of faces in each hour of the day: `hourly_profile`'s
/// 24 weights, found at `path`, or the same in every hour.
fn hourly_weights(profile: Option<&[f64]>, path: &KeyPath) -> Result<[f64; 24], ValidationError> {
    let Some(weights) = profile else {
        return Ok([1.0; 24]);
    };
    if weights.len() != 24 {
        return Err(ValidationError::new(
            path.clone(),
            format!("expected 24 hourly weights, got {} values", weights.len()),
        ));
    }
    let mut hourly = [0.0; 24];
    for (hour, &weight) in weights.iter().enumerate() {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(ValidationError::new(
                path.clone(),
                format!("expected weights ≥ 0, got {weight} (hour {hour})"),
            ));
        }
        hourly[hour] = weight;
    }
    Ok(hourly)
}

/// Usable captures per second in each hour of the day, before surges.
fn hourly_captures(
    footfall: &Footfall,
    capture_share: f64,
    path: &KeyPath,
) -> Result<[f64; 24], ValidationError> {
    let hourly: Vec<f64> = match footfall {
        Footfall::Flat(rate) => vec![*rate; 24],
        Footfall::Hourly(rates) if rates.len() == 24 => rates.clone(),
        Footfall::Hourly(rates) => {
            return Err(ValidationError::new(
                path.clone(),
                format!(
                    "expected one rate or 24 hourly rates, got {} values",
                    rates.len()
                ),
            ));
        }
    };
    let mut captures_per_s = [0.0; 24];
    for (hour, rate) in hourly.iter().enumerate() {
        if !rate.is_finite() || *rate < 0.0 {
            return Err(ValidationError::new(
                path.clone(),
                format!("expected people per hour ≥ 0, got {rate} (hour {hour})"),
            ));
        }
        captures_per_s[hour] = rate * capture_share / HOUR_S;
    }
    Ok(captures_per_s)
}

/// The surges as daily stretches; one that crosses midnight is two.
fn surges(sections: &[SurgeSection], path: &KeyPath) -> Result<Vec<Surge>, ValidationError> {
    let mut surges = Vec::new();
    for (i, surge) in sections.iter().enumerate() {
        let here = path.index(i);
        let start = parse_clock(&surge.at)
            .filter(|&time| time < DAY_S)
            .ok_or_else(|| {
                ValidationError::new(
                    here.key("at"),
                    format!(
                        "expected a clock time such as \"21:45\", got \"{}\"",
                        surge.at
                    ),
                )
            })?;
        let length = surge.duration.seconds;
        if !(length > 0.0 && length <= DAY_S) {
            return Err(ValidationError::new(
                here.key("duration"),
                "expected a duration above zero and at most 24h",
            ));
        }
        if !(surge.people.is_finite() && surge.people >= 0.0) {
            return Err(ValidationError::new(
                here.key("people"),
                format!("expected a number of people ≥ 0, got {}", surge.people),
            ));
        }
        let people_per_s = surge.people / length;
        let end = start + length;
        let stretch = |start_s, end_s| Surge {
            start_s,
            end_s,
            people_per_s,
        };
        if end <= DAY_S {
            surges.push(stretch(start, end));
        } else {
            surges.push(stretch(start, DAY_S));
            surges.push(stretch(0.0, end - DAY_S));
        }
    }
    Ok(surges)
}

/// The stretches of `hour` during which the cameras run, cut at every surge
/// edge so that each has a constant rate: `captures_per_s` from footfall,
/// plus the surges' people times `capture_share`.
fn segments(
    hour: usize,
    windows: &[(f64, f64)],
    surges: &[Surge],
    captures_per_s: f64,
    capture_share: f64,
) -> Vec<Segment> {
    let (hour_start, hour_end) = (hour as f64 * HOUR_S, (hour + 1) as f64 * HOUR_S);
    let mut active: Vec<(f64, f64)> = windows
        .iter()
        .filter_map(|&(start, end)| {
            let (from, to) = (start.max(hour_start), end.min(hour_end));
            (from < to).then_some((from, to))
        })
        .collect();
    merge_intervals(&mut active);
    let mut cuts: Vec<f64> = surges
        .iter()
        .flat_map(|surge| [surge.start_s, surge.end_s])
        .collect();
    cuts.sort_by(f64::total_cmp);
    let mut segments = Vec::new();
    for (from, to) in active {
        let mut edges = vec![from];
        edges.extend(cuts.iter().copied().filter(|&cut| cut > from && cut < to));
        edges.push(to);
        for piece in edges.windows(2) {
            let middle = 0.5 * (piece[0] + piece[1]);
            let surge: f64 = surges
                .iter()
                .filter(|surge| surge.start_s <= middle && middle < surge.end_s)
                .map(|surge| surge.people_per_s)
                .sum();
            segments.push(Segment {
                start_s: piece[0] - hour_start,
                end_s: piece[1] - hour_start,
                captures_per_s: captures_per_s + surge * capture_share,
            });
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::super::clock::parse_window;
    use super::*;
    use crate::spec::{DurationText, MobilitySection, PopulationSection};

    /// A site built in a city of one zone and one group, for a run of
    /// `duration_s`.
    fn build_for(section: &SiteSection, duration_s: f64) -> Result<Site, ValidationError> {
        let population: PopulationSection = toml::from_str("residents = 100").unwrap();
        let population = Population::build(
            &population,
            &[],
            &MobilitySection::default(),
            1,
            &mut crate::model::uncertain::Fixed,
        )
        .unwrap();
        let blocks = population.blocks(&[0], false);
        let city = City {
            population: &population,
            blocks: &blocks,
            walk_past: false,
        };
        Site::build(
            section,
            &KeyPath::keys(&["sites"]).index(0),
            &city,
            duration_s,
            SitePlan::default(),
        )
    }

    /// A valid site, for a day's run.
    fn build(section: &SiteSection) -> Site {
        build_for(section, DAY_S).unwrap()
    }

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
        let site = build(&SiteSection {
            name: "a".into(),
            cameras: 1,
            footfall_per_hour: Some(Footfall::Flat(3600.0)),
            faces: None,
            hourly_profile: None,
            capture_share: 0.5,
            active: vec!["22:30-01:00".into()],
            surges: vec![],
            zone: None,
        });
        // 2.5 active hours a day at 1,800 captures an hour.
        assert!((site.expected_captures(DAY_S) - 4_500.0).abs() < 1e-9);
        // Two days.
        assert!((site.expected_captures(2.0 * DAY_S) - 9_000.0).abs() < 1e-9);
        // A run that ends at 23:00 sees 00:00–01:00 and 22:30–23:00.
        assert!((site.expected_captures(23.0 * HOUR_S) - 2_700.0).abs() < 1e-9);
        // Everyone passes, from the city's one block.
        assert_eq!(site.block_shares, [(0, 1.0)]);
    }

    #[test]
    fn surges_add_their_people_while_cameras_run() {
        let site = build(&SiteSection {
            name: "gate".into(),
            cameras: 1,
            footfall_per_hour: Some(Footfall::Flat(1000.0)),
            faces: None,
            hourly_profile: None,
            capture_share: 0.5,
            active: vec!["00:00-24:00".into()],
            surges: vec![SurgeSection {
                at: "23:45".into(),
                duration: DurationText::parse("30m").unwrap(),
                people: 20_000.0,
            }],
            zone: None,
        });
        // 24,000 a day plus the surge, both half captured.
        assert!((site.expected_captures(DAY_S) - 22_000.0).abs() < 1e-6);
        // The surge's 10,000 faces fall half in 23:00–24:00, half in
        // 00:00–01:00: the first of the two busiest hours is named.
        let (hour, faces) = site.busiest_hour();
        assert_eq!(hour, 0);
        assert!((faces - 5_500.0).abs() < 1e-6, "{faces}");
    }

    #[test]
    fn faces_are_the_expected_captures_over_the_run_shaped_by_the_profile() {
        let mut profile = vec![1.0; 24];
        profile[8] = 4.0;
        let section = SiteSection {
            name: "a".into(),
            cameras: 1,
            footfall_per_hour: None,
            faces: Some(3.1e6),
            hourly_profile: Some(profile),
            capture_share: 0.5,
            active: vec!["07:30-19:00".into()],
            surges: vec![],
            zone: None,
        };
        // Over a run of a day and a half, whatever the windows and profile.
        let duration = 1.5 * DAY_S;
        let site = build_for(&section, duration).unwrap();
        assert!((site.expected_captures(duration) / 3.1e6 - 1.0).abs() < 1e-12);
        // 08:00–09:00 runs at 4× the other active hours.
        let rate = |hour: usize| site.segments_in_hour[hour][0].captures_per_s;
        assert!((rate(8) / rate(10) - 4.0).abs() < 1e-12);
        assert!(site.segments_in_hour[3].is_empty());
        // Cameras that never run in the simulated time cannot capture any.
        let night = SiteSection {
            active: vec!["20:00-21:00".into()],
            ..section.clone()
        };
        let error = build_for(&night, 12.0 * HOUR_S).unwrap_err();
        assert_eq!(error.path.to_string(), "sites[0].faces");
        let none = SiteSection {
            faces: Some(0.0),
            ..night
        };
        let site = build_for(&none, 12.0 * HOUR_S).unwrap();
        assert_eq!(site.expected_captures(DAY_S), 0.0);
    }
}
