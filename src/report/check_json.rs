//! `survsim check --format json`: the schema of a [`Check`], laid out from
//! the figures [`Check::new`] computed (the table is in [`super::check`]).

use super::check::Check;
use super::json::WarningJson;
use crate::format::Num;
use crate::model::NormalScores;
use crate::scenario::Scenario;
use serde::Serialize;
use serde_json::Value;

/// `survsim check` as JSON: the derived quantities of a scenario.
pub fn check_json(scenario: &Scenario) -> Value {
    Check::new(scenario).to_json()
}

impl Check<'_> {
    /// The JSON form.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(CheckJson::new(self)).expect("check JSON serializes")
    }
}

/// The JSON schema of `survsim check`, field order as written.
#[derive(Serialize)]
struct CheckJson<'a> {
    survsim: &'static str,
    scenario: ScenarioJson<'a>,
    warnings: Vec<WarningJson<'a>>,
    matcher: MatcherJson<'a>,
    expected: ExpectedJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    turnover: Option<TurnoverJson>,
    groups: Vec<GroupJson<'a>>,
    sites: Vec<SiteJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uncertainty: Option<UncertaintyJson<'a>>,
}

/// What each uncertain input contributes to the variance of one run's
/// false alerts (or why it could not be computed).
#[derive(Serialize)]
struct UncertaintyJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    false_alerts_variance: Option<Num>,
    inputs: Vec<InputShareJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    monte_carlo_share: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remainder_share: Option<Num>,
}

#[derive(Serialize)]
struct InputShareJson<'a> {
    key: &'a str,
    what: &'a str,
    variance_share: Option<Num>,
}

#[derive(Serialize)]
struct ScenarioJson<'a> {
    name: &'a str,
    source: &'a str,
    seed: u64,
    duration_s: Num,
}

#[derive(Serialize)]
struct MatcherJson<'a> {
    profile: Option<&'a str>,
    rates_per: &'static str,
    threshold: Num,
    watchlist_size: u64,
    impostor: ScoresJson,
    genuine: ScoresJson,
    calibration: Vec<CalibrationJson<'a>>,
}

#[derive(Serialize)]
struct ScoresJson {
    mean: Num,
    sd: Num,
}

impl From<NormalScores> for ScoresJson {
    fn from(scores: NormalScores) -> Self {
        ScoresJson {
            mean: Num(scores.mean),
            sd: Num(scores.sd),
        }
    }
}

#[derive(Serialize)]
struct CalibrationJson<'a> {
    threshold: Num,
    watchlist: u64,
    rate: &'static str,
    published: Num,
    fitted: Num,
    relative_residual: Num,
    source: Option<&'a str>,
    threshold_assumed: bool,
}

#[derive(Serialize)]
struct ExpectedJson {
    wanted_present: Num,
    faces_captured: Num,
    faces_per_day: Num,
    people_scanned: Num,
    true_alerts: Num,
    false_alerts: Num,
    faces_per_true_alert: Option<Num>,
    alert_precision: Option<Num>,
    operator_utilisation: Num,
}

/// The list's turnover (`watchlist.new_wanted_per_day`,
/// `watchlist.time_on_list`), as the table's note gives it: present only
/// when either key is.
#[derive(Serialize)]
struct TurnoverJson {
    /// Wanted people on the list when the run starts.
    wanted_at_start: u64,
    /// Wanted people added during the run (rate × days, rounded).
    wanted_added: u64,
    /// The mean time a wanted person stays on the list unless arrested
    /// first; `null`: they leave it only by arrest.
    mean_time_on_list_s: Option<Num>,
}

#[derive(Serialize)]
struct GroupJson<'a> {
    name: &'a str,
    residents: u32,
    wanted: u32,
    face_share: Num,
    fmr_multiplier: Num,
    fnmr_multiplier: Num,
    fmr: Num,
    fnmr: Num,
    fpir: Num,
    tpir: Num,
    misidentification: Num,
    expected_faces: Num,
    expected_true_alerts: Num,
    expected_false_alerts: Num,
}

#[derive(Serialize)]
struct SiteJson<'a> {
    name: &'a str,
    cameras: u32,
    expected_faces: Num,
    busiest_hour: usize,
    busiest_hour_faces: Num,
}

impl<'a> CheckJson<'a> {
    fn new(check: &'a Check<'a>) -> Self {
        let m = &check.scenario.model;
        let e = &check.expected;
        CheckJson {
            survsim: env!("CARGO_PKG_VERSION"),
            scenario: ScenarioJson {
                name: &m.name,
                source: &check.scenario.source.name,
                seed: m.seed,
                duration_s: Num(m.duration_s),
            },
            warnings: super::json::warnings(&m.warnings),
            matcher: MatcherJson {
                profile: m.matcher_profile.as_deref(),
                rates_per: m.rates_per.name(),
                threshold: Num(m.matcher.threshold),
                watchlist_size: m.matcher.watchlist_size,
                impostor: m.matcher.impostor.into(),
                genuine: m.matcher.genuine.into(),
                calibration: m
                    .calibration
                    .iter()
                    .map(|fit| CalibrationJson {
                        threshold: Num(fit.threshold),
                        watchlist: fit.watchlist,
                        rate: fit.rate.name(),
                        published: Num(fit.target),
                        fitted: Num(fit.fitted),
                        relative_residual: Num(fit.relative_residual()),
                        source: fit.source.as_deref(),
                        threshold_assumed: fit.threshold_assumed,
                    })
                    .collect(),
            },
            expected: ExpectedJson {
                wanted_present: Num(m.wanted_mean()),
                faces_captured: Num(e.faces_captured),
                faces_per_day: Num(check.faces_per_day),
                people_scanned: Num(e.people_scanned),
                true_alerts: Num(e.true_alerts),
                false_alerts: Num(e.false_alerts),
                faces_per_true_alert: check.ratios.faces_per_true_alert.map(Num),
                alert_precision: check.ratios.alert_precision.map(Num),
                operator_utilisation: Num(check.operator_utilisation),
            },
            turnover: m.turnover.as_ref().map(|t| {
                let added = u64::from(t.arrivals);
                TurnoverJson {
                    wanted_at_start: u64::from(m.wanted).saturating_sub(added),
                    wanted_added: added,
                    mean_time_on_list_s: t
                        .mean_on_list_s
                        .is_finite()
                        .then_some(Num(t.mean_on_list_s)),
                }
            }),
            groups: m
                .groups
                .iter()
                .zip(&e.groups)
                .zip(&check.face_shares)
                .map(|((g, ge), &share)| GroupJson {
                    name: &g.name,
                    residents: g.residents,
                    wanted: g.wanted,
                    face_share: Num(share),
                    fmr_multiplier: Num(g.fmr_multiplier),
                    fnmr_multiplier: Num(g.fnmr_multiplier),
                    fmr: Num(g.search.fmr),
                    fnmr: Num(g.search.fnmr),
                    fpir: Num(g.search.fpir),
                    tpir: Num(g.search.tpir),
                    misidentification: Num(g.search.misidentification),
                    expected_faces: Num(ge.faces_captured),
                    expected_true_alerts: Num(ge.true_alerts),
                    expected_false_alerts: Num(ge.false_alerts),
                })
                .collect(),
            sites: m
                .sites
                .iter()
                .zip(&check.sites)
                .map(|(s, load)| SiteJson {
                    name: &s.name,
                    cameras: s.cameras,
                    expected_faces: Num(load.expected_faces),
                    busiest_hour: load.busiest_hour,
                    busiest_hour_faces: Num(load.busiest_hour_faces),
                })
                .collect(),
            uncertainty: uncertainty(check),
        }
    }
}

fn uncertainty<'a>(check: &'a Check<'a>) -> Option<UncertaintyJson<'a>> {
    match &check.variance {
        Ok(None) => None,
        Err(error) => Some(UncertaintyJson {
            error: Some(error),
            false_alerts_variance: None,
            inputs: check
                .scenario
                .uncertain
                .iter()
                .map(|input| InputShareJson {
                    key: &input.key,
                    what: &input.what,
                    variance_share: None,
                })
                .collect(),
            monte_carlo_share: None,
            remainder_share: None,
        }),
        Ok(Some(shares)) => Some(UncertaintyJson {
            error: None,
            false_alerts_variance: Some(Num(shares.total)),
            inputs: shares
                .inputs
                .iter()
                .map(|(input, share)| InputShareJson {
                    key: &input.key,
                    what: &input.what,
                    variance_share: Some(Num(*share)),
                })
                .collect(),
            monte_carlo_share: Some(Num(shares.monte_carlo)),
            remainder_share: Some(Num(shares.remainder)),
        }),
    }
}
