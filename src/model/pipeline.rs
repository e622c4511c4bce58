//! The recognition pipeline, validated: detection at each site, transfer,
//! and matcher pools (servers behind a bounded FIFO queue).

use crate::error::{KeyPath, ValidationError};
use crate::model::Duration;
use crate::spec::{self, DurationText, PipelineSection, SiteSection};

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

/// The largest number of servers in one pool.
pub const MAX_SERVERS: u32 = 100_000;

impl Pipeline {
    /// Validates `[pipeline]` against the scenario's sites.
    pub fn build(p: &PipelineSection, sites: &[SiteSection]) -> Result<Pipeline, ValidationError> {
        let path = KeyPath::keys(&["pipeline"]);
        if !(p.detection_faces_per_s.is_finite() && p.detection_faces_per_s > 0.0) {
            return Err(ValidationError::new(
                path.key("detection_faces_per_s"),
                format!(
                    "expected faces per second above 0, got {}",
                    p.detection_faces_per_s
                ),
            ));
        }
        let latency = |d: &DurationText| d.seconds;
        if p.pools.is_empty() {
            return Err(ValidationError::new(
                path.key("pools"),
                "expected at least one pool",
            ));
        }
        let mut pools = Vec::with_capacity(p.pools.len());
        let mut site_pool: Vec<Option<usize>> = vec![None; sites.len()];
        let mut catch_all = None;
        for (i, pool) in p.pools.iter().enumerate() {
            let ppath = path.key("pools").index(i);
            if p.pools[..i].iter().any(|q| q.name == pool.name) {
                return Err(ValidationError::new(
                    ppath.key("name"),
                    format!("pool name \"{}\" is used twice", pool.name),
                ));
            }
            if !(1..=MAX_SERVERS).contains(&pool.servers) {
                return Err(ValidationError::new(
                    ppath.key("servers"),
                    format!(
                        "expected from 1 to {MAX_SERVERS} servers, got {}",
                        pool.servers
                    ),
                ));
            }
            let service_time = match &pool.service_time {
                Some(d) => Duration::build(d, &ppath.key("service_time"))?,
                None => {
                    if !(pool.faces_per_s.is_finite() && pool.faces_per_s > 0.0) {
                        return Err(ValidationError::new(
                            ppath.key("faces_per_s"),
                            format!(
                                "expected faces per second above 0, got {}",
                                pool.faces_per_s
                            ),
                        ));
                    }
                    Duration::Fixed(1.0 / pool.faces_per_s)
                }
            };
            if service_time.mean_s() <= 0.0 {
                return Err(ValidationError::new(
                    ppath.key("service_time"),
                    "expected a service time above zero",
                ));
            }
            match &pool.sites {
                None => {
                    if catch_all.replace(i).is_some() {
                        return Err(ValidationError::new(
                            ppath.key("sites"),
                            "only one pool may leave out `sites` (it serves the sites no pool names)",
                        ));
                    }
                }
                Some(names) => {
                    for (j, name) in names.iter().enumerate() {
                        let here = ppath.key("sites").index(j);
                        let s = sites.iter().position(|s| &s.name == name).ok_or_else(|| {
                            ValidationError::new(
                                here.clone(),
                                format!("no site is named \"{name}\""),
                            )
                        })?;
                        if site_pool[s].replace(i).is_some() {
                            return Err(ValidationError::new(
                                here,
                                format!("site \"{name}\" is served by two pools"),
                            ));
                        }
                    }
                }
            }
            pools.push(Pool {
                name: pool.name.clone(),
                servers: pool.servers,
                service_time,
                queue_capacity: pool.queue_capacity,
                overload: pool.overload.into(),
            });
        }
        let site_pool = site_pool
            .iter()
            .enumerate()
            .map(|(s, p)| {
                p.or(catch_all).ok_or_else(|| {
                    ValidationError::new(
                        path.key("pools"),
                        format!("site \"{}\" is served by no pool", sites[s].name),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pipeline {
            detection_service_s: sites
                .iter()
                .map(|s| 1.0 / (p.detection_faces_per_s * s.cameras as f64))
                .collect(),
            transfer_s: latency(&p.detection_latency) + latency(&p.network_latency),
            pools,
            site_pool,
        })
    }
}
