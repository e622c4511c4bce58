//! The recognition pipeline, validated: detection at each site, transfer,
//! and matcher pools (servers behind a bounded FIFO queue).

use super::dist::Duration;
use super::population::Block;
use super::sites::Site;
use crate::error::{KeyPath, ValidationError};
use crate::spec::{self, PipelineSection, PoolSection};

/// The largest number of servers in one pool.
pub const MAX_SERVERS: u32 = 100_000;

/// What a full matching queue does with a new face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overload {
    /// The arriving face is dropped.
    DropNewest,
    /// The face that has waited longest is dropped to make room.
    DropOldest,
}

impl From<spec::Overload> for Overload {
    fn from(overload: spec::Overload) -> Overload {
        match overload {
            spec::Overload::DropNewest => Overload::DropNewest,
            spec::Overload::DropOldest => Overload::DropOldest,
        }
    }
}

/// A pool of matching servers with one bounded FIFO queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// Name.
    pub name: String,
    /// Servers.
    pub servers: u32,
    /// Time to match one face.
    pub service_time: Duration,
    /// Faces that may wait.
    pub queue_capacity: u64,
    /// What a full queue does.
    pub overload: Overload,
}

impl Pool {
    /// Validates a `[[pipeline.pools]]` entry found at `path` (all but the
    /// sites it serves, which depend on the other pools).
    pub fn build(section: &PoolSection, path: &KeyPath) -> Result<Pool, ValidationError> {
        if !(1..=MAX_SERVERS).contains(&section.servers) {
            return Err(ValidationError::new(
                path.key("servers"),
                format!(
                    "expected from 1 to {MAX_SERVERS} servers, got {}",
                    section.servers
                ),
            ));
        }
        let service_time = match &section.service_time {
            Some(duration) => Duration::build(duration, &path.key("service_time"))?,
            None => {
                let rate = section.faces_per_s;
                if !(rate.is_finite() && rate > 0.0) {
                    return Err(ValidationError::new(
                        path.key("faces_per_s"),
                        format!("expected faces per second above 0, got {rate}"),
                    ));
                }
                Duration::Fixed(1.0 / rate)
            }
        };
        if service_time.mean_s() <= 0.0 {
            return Err(ValidationError::new(
                path.key("service_time"),
                "expected a service time above zero",
            ));
        }
        Ok(Pool {
            name: section.name.clone(),
            servers: section.servers,
            service_time,
            queue_capacity: section.queue_capacity,
            overload: section.overload.into(),
        })
    }

    /// Faces per second the pool can match.
    pub fn capacity_per_s(&self) -> f64 {
        self.servers as f64 / self.service_time.mean_s()
    }
}

/// The whole pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// Detection time per face at each site: 1 / (cameras × faces/s per camera).
    pub detection_service_s: Vec<f64>,
    /// Fixed detection plus network latency.
    pub transfer_s: f64,
    /// Matcher pools.
    pub pools: Vec<Pool>,
    /// The pool each site feeds.
    pub site_pool: Vec<usize>,
}

impl Pipeline {
    /// Validates `[pipeline]` against the scenario's (validated) sites.
    pub fn build(section: &PipelineSection, sites: &[Site]) -> Result<Pipeline, ValidationError> {
        let path = KeyPath::keys(&["pipeline"]);
        let detection_rate = section.detection_faces_per_s;
        if !(detection_rate.is_finite() && detection_rate > 0.0) {
            return Err(ValidationError::new(
                path.key("detection_faces_per_s"),
                format!("expected faces per second above 0, got {detection_rate}"),
            ));
        }
        if section.pools.is_empty() {
            return Err(ValidationError::new(
                path.key("pools"),
                "expected at least one pool",
            ));
        }
        let mut pools = Vec::with_capacity(section.pools.len());
        let mut site_pool: Vec<Option<usize>> = vec![None; sites.len()];
        let mut catch_all = None;
        for (i, pool) in section.pools.iter().enumerate() {
            let here = path.key("pools").index(i);
            if section.pools[..i]
                .iter()
                .any(|earlier| earlier.name == pool.name)
            {
                return Err(ValidationError::new(
                    here.key("name"),
                    format!("pool name \"{}\" is used twice", pool.name),
                ));
            }
            let built = Pool::build(pool, &here)?;
            match &pool.sites {
                None => {
                    if catch_all.replace(i).is_some() {
                        return Err(ValidationError::new(
                            here.key("sites"),
                            "only one pool may leave out `sites` (it serves the sites no pool names)",
                        ));
                    }
                }
                Some(names) => {
                    for (j, name) in names.iter().enumerate() {
                        let named = here.key("sites").index(j);
                        let site = sites
                            .iter()
                            .position(|site| &site.name == name)
                            .ok_or_else(|| {
                                ValidationError::new(
                                    named.clone(),
                                    format!("no site is named \"{name}\""),
                                )
                            })?;
                        if site_pool[site].replace(i).is_some() {
                            return Err(ValidationError::new(
                                named,
                                format!("site \"{name}\" is served by two pools"),
                            ));
                        }
                    }
                }
            }
            pools.push(built);
        }
        let site_pool = site_pool
            .iter()
            .zip(sites)
            .map(|(pool, site)| {
                pool.or(catch_all).ok_or_else(|| {
                    ValidationError::new(
                        path.key("pools"),
                        format!("site \"{}\" is served by no pool", site.name),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pipeline {
            detection_service_s: sites
                .iter()
                .map(|site| 1.0 / (detection_rate * site.cameras as f64))
                .collect(),
            transfer_s: section.detection_latency.seconds + section.network_latency.seconds,
            pools,
            site_pool,
        })
    }
}

/// With a pipeline, the engine decides a whole hour's searches before the
/// response chain runs through it, so an arrest takes effect from the next
/// hour's captures: a wanted person seen again in the rest of the hour of
/// their arrest is searched as if still at large (a true alert, and an
/// officer who finds them already arrested), instead of being in custody.
/// An arrest falls on average half an hour before the hour ends, so the
/// share of people arrested who are seen again so is about the chance of a
/// capture in half an hour. This warns, at `pipeline`, where that exceeds
/// 5 % for the busiest block of wanted people in its busiest hour.
pub(super) fn arrest_lag_warning(
    sites: &[Site],
    blocks: &[Block],
) -> Option<crate::error::Warning> {
    let busiest_per_hour = blocks
        .iter()
        .enumerate()
        .filter(|(_, block)| block.wanted > 0 && block.passers() > 0)
        .map(|(index, block)| {
            (0..24)
                .map(|hour| {
                    sites
                        .iter()
                        .map(|site| {
                            let share: f64 = site
                                .block_shares
                                .iter()
                                .filter(|(b, _)| *b as usize == index)
                                .map(|(_, share)| share)
                                .sum();
                            let faces: f64 = site.segments_in_hour[hour]
                                .iter()
                                .map(|s| s.captures_per_s * (s.end_s - s.start_s))
                                .sum();
                            faces * share
                        })
                        .sum::<f64>()
                })
                .fold(0.0, f64::max)
                / block.passers() as f64
        })
        .fold(0.0, f64::max);
    let half_hour = busiest_per_hour / 2.0;
    (half_hour > 0.05).then(|| crate::error::Warning {
        path: KeyPath::keys(&["pipeline"]),
        message: format!(
            "with a pipeline, an arrest takes effect from the next whole hour's captures; \
             wanted people here are captured up to {} times an hour, so up to {:.0} % of the \
             people arrested are seen again in the rest of their arrest's hour and searched as \
             if still at large: true alerts and wanted faces are overcounted by those faces, \
             and an officer sent finds the person already arrested (without a pipeline, \
             arrests take effect at once)",
            crate::format::fmt_num(busiest_per_hour, 2),
            100.0 * (1.0 - (-half_hour).exp())
        ),
    })
}
