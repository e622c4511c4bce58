//! `[[sites]]`, where faces are captured, and `[pipeline]`, the detection,
//! transfer and matching that serve them.

use super::{DurationDist, DurationText};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `[[sites]]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSection {
    /// Site name, unique.
    pub name: String,
    /// Cameras at the site (default 1). Footfall is per site, not per camera.
    #[serde(default = "super::one_u32")]
    pub cameras: u32,
    /// People passing the site per hour: one rate, or 24 hourly rates from
    /// 00:00. Exactly one of this and `faces` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footfall_per_hour: Option<Footfall>,
    /// Usable faces captured over the whole run, instead of footfall ×
    /// capture share: the figure deployment records publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faces: Option<f64>,
    /// With `faces`: the relative rate of faces in each hour from 00:00, 24
    /// weights of which only the shape matters (default: flat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_profile: Option<Vec<f64>>,
    /// Share of passers whose face is captured at usable quality (default 1).
    #[serde(default = "super::one")]
    pub capture_share: f64,
    /// Daily windows when the cameras run, e.g. `["10:00-16:00"]` (default all day).
    #[serde(default = "default_active")]
    pub active: Vec<String>,
    /// Surges on top of the hourly footfall, e.g. a stadium's egress.
    #[serde(default)]
    pub surges: Vec<SurgeSection>,
    /// The zone the site is in (required when `[[zones]]` are given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

fn default_active() -> Vec<String> {
    vec!["00:00-24:00".to_string()]
}

/// Footfall: one hourly rate, or 24 rates for the hours of the day.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Footfall {
    /// The same rate every hour.
    Flat(f64),
    /// One rate per hour of the day, from 00:00.
    Hourly(Vec<f64>),
}

impl<'de> Deserialize<'de> for Footfall {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FootfallVisitor;
        impl<'de> Visitor<'de> for FootfallVisitor {
            type Value = Footfall;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a number of people per hour, or an array of 24 hourly numbers")
            }
            fn visit_f64<E: de::Error>(self, rate: f64) -> Result<Footfall, E> {
                Ok(Footfall::Flat(rate))
            }
            fn visit_i64<E: de::Error>(self, rate: i64) -> Result<Footfall, E> {
                Ok(Footfall::Flat(rate as f64))
            }
            fn visit_u64<E: de::Error>(self, rate: u64) -> Result<Footfall, E> {
                Ok(Footfall::Flat(rate as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Footfall, A::Error> {
                let mut rates = Vec::new();
                while let Some(rate) = seq.next_element::<f64>()? {
                    rates.push(rate);
                }
                Ok(Footfall::Hourly(rates))
            }
        }
        deserializer.deserialize_any(FootfallVisitor)
    }
}

/// A time-bounded surge on top of a site's footfall, every day:
/// `{ at = "21:45", duration = "30m", people = 20000 }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SurgeSection {
    /// Clock time the surge starts, `"HH:MM"`.
    pub at: String,
    /// How long it lasts.
    pub duration: DurationText,
    /// Extra people passing during it (spread evenly).
    pub people: f64,
}

/// `[pipeline]`: camera → detection → network → matching queue → decision.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSection {
    /// Faces one camera can detect per second (default 100, an assumption);
    /// a site's detection capacity is this times its cameras.
    #[serde(default = "default_detection_fps")]
    pub detection_faces_per_s: f64,
    /// Time from capture to a detected face (default `"50ms"`, an assumption).
    #[serde(default = "default_detection_latency")]
    pub detection_latency: DurationText,
    /// Transfer time from camera to matcher (default `"20ms"`, an assumption).
    #[serde(default = "default_network_latency")]
    pub network_latency: DurationText,
    /// Matcher pools; default one pool of one server serving every site.
    #[serde(default = "default_pools")]
    pub pools: Vec<PoolSection>,
}

fn default_detection_fps() -> f64 {
    100.0
}
fn default_detection_latency() -> DurationText {
    DurationText::parse("50ms").expect("valid literal")
}
fn default_network_latency() -> DurationText {
    DurationText::parse("20ms").expect("valid literal")
}
fn default_pools() -> Vec<PoolSection> {
    vec![PoolSection {
        name: "matchers".into(),
        servers: 1,
        faces_per_s: default_faces_per_s(),
        service_time: None,
        queue_capacity: default_queue_capacity(),
        overload: Overload::DropNewest,
        sites: None,
    }]
}

/// `[[pipeline.pools]]`: matching servers behind one bounded FIFO queue.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSection {
    /// Pool name, unique.
    pub name: String,
    /// Matching servers (default 1).
    #[serde(default = "super::one_u32")]
    pub servers: u32,
    /// Faces one server matches per second (default 300: NEC NeoFace, "up to
    /// 300 faces per second", as cited by the Candriam report); used unless
    /// `service_time` is given.
    #[serde(default = "default_faces_per_s")]
    pub faces_per_s: f64,
    /// Time to match one face, as a distribution (overrides `faces_per_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<DurationDist>,
    /// Faces that may wait for a server (default 1,000).
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: u64,
    /// What a full queue does with a new face (default `"drop-newest"`).
    #[serde(default)]
    pub overload: Overload,
    /// Names of the sites this pool serves (default: all sites not named by
    /// another pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<String>>,
}

fn default_faces_per_s() -> f64 {
    300.0
}
fn default_queue_capacity() -> u64 {
    1_000
}

/// Overload policy of a full matching queue.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Overload {
    /// The arriving face is dropped.
    #[default]
    DropNewest,
    /// The face that has waited longest is dropped to make room.
    DropOldest,
}
