//! `[matcher]`: a profile, score distributions, and the operating points to
//! calibrate them from.

use super::Param;
use serde::{Deserialize, Serialize};

/// `[matcher]`: a named profile, explicit score distributions, operating
/// points to calibrate them from, or a mix: explicit keys override the
/// profile's, and parameters left open are solved from the operating points.
/// With none of these keys, the default profile is used.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MatcherSection {
    /// A bundled profile, e.g. `"neoface-v4-npl2023"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// A profile file (one `survsim fit --out` wrote), beside the scenario:
    /// its keys are read in under the scenario's own as the scenario is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_file: Option<String>,
    /// What the rates of the operating points (and so the calibrated
    /// matcher's mated outcomes) are per: a person walking past a camera, or
    /// a face searched. Every profile states it; a scenario may override it
    /// (default without a profile: `"searched_face"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rates_per: Option<RatesPer>,
    /// Alert when the best candidate's score is at or above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The scale scores are reported on, `[min, max]` (default `[0, 1]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_range: Option<[f64; 2]>,
    /// Score of a comparison between different people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impostor: Option<ScoreDistSection>,
    /// Score of a comparison between two images of the same person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genuine: Option<ScoreDistSection>,
    /// Published operating points to calibrate the open parameters from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_points: Option<Vec<OperatingPoint>>,
    /// A fitted profile's posterior (`survsim fit`): draws of the score
    /// distributions, one taken per replication, instead of operating points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<PosteriorSection>,
    /// How many times as likely a false match is between two people of one
    /// group as between two of different groups (default 1: no homophily);
    /// with `watchlist.composition`, a group that is a larger share of the
    /// list has more false matches. May be uncertain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homophily: Option<Param>,
    /// How far, in score units, the threshold may lie from every calibrated
    /// operating point before `check` and `run` warn that the matcher is
    /// extrapolated (default: 2 % of the score range, 0.02 on `[0, 1]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrapolation_margin: Option<f64>,
}

/// What a matcher's identification rates are per.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RatesPer {
    /// Per face searched: capture failures are not in the rates (a
    /// laboratory test on images, a batch search).
    #[default]
    SearchedFace,
    /// Per watchlisted person walking past a camera: failures to capture
    /// and detect the face are already in the TPIR (NPL's live tests).
    WalkPast,
}

/// A similarity-score distribution, e.g. `{ dist = "normal", mean = 0.2, sd = 0.07 }`;
/// a parameter left out is solved from the operating points, and one may
/// be uncertain (`sd = { dist = "uniform", low = 0.055, high = 0.085 }`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScoreDistSection {
    /// Family (default and only one so far: `normal`).
    #[serde(default)]
    pub dist: ScoreFamily,
    /// Mean score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Param>,
    /// Standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<Param>,
}

/// The columns of a fitted profile's draws, in order.
pub const POSTERIOR_COLUMNS: [&str; 4] =
    ["impostor.mean", "impostor.sd", "genuine.mean", "genuine.sd"];

/// The posterior of a fitted profile, as `survsim fit` writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PosteriorSection {
    /// Where the fitted records measured: a threshold far from every one
    /// is extrapolated.
    pub evidence: Vec<EvidencePoint>,
    /// The groups the fit counted by, its reference group first: a
    /// scenario's group, or a level of one of its dimensions, with one of
    /// these names takes that group's fitted impostor shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// The draws' columns: `impostor.mean`, `impostor.sd`, `genuine.mean`,
    /// `genuine.sd` (the reference group's), then, with `groups`,
    /// `homophily` and `impostor_shift.GROUP` for the others.
    pub columns: Vec<String>,
    /// The draws, one row each.
    pub draws: Vec<Vec<f64>>,
}

/// A threshold and list size at which a fitted record measured a rate.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EvidencePoint {
    /// Threshold.
    pub threshold: f64,
    /// Entries searched (1 for a detection rate).
    pub watchlist: u64,
    /// `"fpir"` or `"tpir"`.
    pub rate: String,
    /// The record's id.
    pub source: String,
}

/// Score distribution families.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScoreFamily {
    /// Normal (Gaussian) scores.
    #[default]
    Normal,
}

/// A published operating point: `{ threshold = 0.6, watchlist = 10000, fpir = 1.7e-4 }`
/// constrains the impostor distribution, `{ threshold = 0.6, tpir = 0.89 }`
/// the genuine one.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OperatingPoint {
    /// Threshold the figure was measured at.
    pub threshold: f64,
    /// Watchlist size it was measured with (required with `fpir`; default the
    /// scenario's with `tpir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist: Option<u64>,
    /// False-positive identification rate of a non-mated search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fpir: Option<f64>,
    /// True-positive identification rate of a mated search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpir: Option<f64>,
    /// With `fpir`: the false positives the figure was counted from…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub false_positives: Option<u64>,
    /// …in this many non-mated searches. With both, each replication draws
    /// the FPIR from its posterior (see [`crate::model::uncertain`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searches: Option<u64>,
    /// With `tpir`: the mated searches that found their person…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub true_positives: Option<u64>,
    /// …of this many mated searches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mated_searches: Option<u64>,
    /// Where the figure comes from (free text, shown by `survsim check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Whether the threshold is itself an assumption: the figure was
    /// published without the threshold it was measured at (default false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub threshold_assumed: bool,
}
