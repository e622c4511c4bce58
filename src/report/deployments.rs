//! Each deployment of a schedule: what it was set to, and what it counted,
//! over replications. The totals are the run's; these split them.

use super::Stat;
use crate::metrics::{Metric, Outcome};
use crate::model::{ExpectedDeployment, Model};

/// The counts a deployment reports: its faces and what came of its alerts
/// (a person's exposure, and the wanted people as people, are the run's).
pub const DEPLOYMENT_METRICS: &[Metric] = &[
    Metric::FacesCaptured,
    Metric::Alerts,
    Metric::TrueAlerts,
    Metric::FalseAlerts,
    Metric::AlertsRejected,
    Metric::AlertsConfirmed,
    Metric::NotActioned,
    Metric::LostInCrowd,
    Metric::StopAttempts,
    Metric::Stops,
    Metric::CorrectStops,
    Metric::WrongfulStops,
    Metric::FoundArrested,
    Metric::Arrests,
    Metric::FalseArrests,
    Metric::WantedFacesCaptured,
    Metric::WantedFacesAlerted,
];

/// A count shown in each deployment's row of the table and the HTML page.
#[derive(Debug, Clone, Copy)]
pub struct DeploymentColumn {
    /// The count, one of [`DEPLOYMENT_METRICS`].
    pub metric: Metric,
    /// Its heading on the HTML page.
    pub heading: &'static str,
    /// Its heading in the table.
    pub short: &'static str,
    /// Its width in the table.
    pub width: usize,
}

/// The counts each deployment's row shows, in order, wherever it is shown.
pub const DEPLOYMENT_COLUMNS: &[DeploymentColumn] = &[
    column(Metric::FacesCaptured, "faces", "faces", 11),
    column(Metric::TrueAlerts, "true alerts", "true al.", 9),
    column(Metric::FalseAlerts, "false alerts", "false al.", 10),
    column(Metric::Stops, "stops", "stops", 7),
    column(Metric::Arrests, "arrests", "arrests", 9),
];

const fn column(
    metric: Metric,
    heading: &'static str,
    short: &'static str,
    width: usize,
) -> DeploymentColumn {
    DeploymentColumn {
        metric,
        heading,
        short,
        width,
    }
}

/// One deployment's settings and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentReport {
    /// Name.
    pub name: String,
    /// Day of the run it starts on (from 0).
    pub day: u32,
    /// Start and end, seconds from the start of the run.
    pub start_s: f64,
    /// End, seconds from the start of the run.
    pub end_s: f64,
    /// Its sites' names.
    pub sites: Vec<String>,
    /// Watchlist entries searched.
    pub watchlist_size: u64,
    /// Threshold.
    pub threshold: f64,
    /// Wanted people on its list.
    pub wanted_on_list: u32,
    /// Operators.
    pub operators: u32,
    /// Officers.
    pub officers: u32,
    /// Faces as the schedule gives them, if it does.
    pub faces_given: Option<f64>,
    /// Closed-form expectations.
    pub expected: ExpectedDeployment,
    /// Per metric of [`DEPLOYMENT_METRICS`], in that order: means and
    /// intervals over replications.
    pub stats: Vec<Stat>,
    /// With several watchlists, each in the deployment's order.
    pub lists: Vec<ListReport>,
}

/// One of several watchlists at a deployment: its settings and the alerts
/// it raised (each alert counted once, with the first list that raised it).
#[derive(Debug, Clone, PartialEq)]
pub struct ListReport {
    /// Name.
    pub name: String,
    /// Entries.
    pub size: u64,
    /// Threshold.
    pub threshold: f64,
    /// Wanted people on it.
    pub wanted_on_list: u32,
    /// Expected true alerts it raises (an upper bound with arrests).
    pub expected_true_alerts: f64,
    /// Expected false alerts it raises.
    pub expected_false_alerts: f64,
    /// True alerts it raised.
    pub true_alerts: Stat,
    /// False alerts it raised.
    pub false_alerts: Stat,
}

impl DeploymentReport {
    /// Its clock hours, `"10:00–16:00"`.
    pub fn hours(&self) -> String {
        let clock = |s: f64| {
            let minutes = (s / 60.0).round() as u64 % (24 * 60);
            format!("{:02}:{:02}", minutes / 60, minutes % 60)
        };
        format!("{}–{}", clock(self.start_s), clock(self.end_s))
    }

    /// The mean of `m`, one of [`DEPLOYMENT_METRICS`].
    pub fn mean(&self, m: Metric) -> Option<f64> {
        let i = DEPLOYMENT_METRICS.iter().position(|&x| x == m)?;
        Some(self.stats[i].mean)
    }
}

/// Every deployment's report, in file order (none without a schedule).
pub(super) fn deployments(
    model: &Model,
    expected: &[ExpectedDeployment],
    outcomes: &[Outcome],
) -> Vec<DeploymentReport> {
    model
        .deployments
        .iter()
        .enumerate()
        .map(|(d, deployment)| {
            let slot = &deployment.slot;
            DeploymentReport {
                name: slot.name.clone(),
                day: slot.day,
                start_s: slot.start_s,
                end_s: slot.end_s,
                sites: slot
                    .sites
                    .iter()
                    .map(|&s| model.sites[s as usize].name.clone())
                    .collect(),
                watchlist_size: deployment.matcher.watchlist_size,
                threshold: deployment.matcher.threshold,
                wanted_on_list: deployment.wanted,
                operators: deployment.operators,
                officers: deployment.officers,
                faces_given: deployment.faces,
                expected: expected[d].clone(),
                stats: DEPLOYMENT_METRICS
                    .iter()
                    .map(|&m| {
                        Stat::of(
                            outcomes
                                .iter()
                                .map(|o| o.deployments.get(d).map_or(0, |c| c[m])),
                        )
                    })
                    .collect(),
                lists: deployment
                    .lists
                    .iter()
                    .enumerate()
                    .map(|(j, list)| {
                        let raised =
                            |k: usize| {
                                Stat::of(outcomes.iter().map(|o| {
                                    o.lists.get(d).and_then(|l| l.get(j)).map_or(0, |l| l[k])
                                }))
                            };
                        let expected = expected[d].lists.get(j).copied().unwrap_or_default();
                        ListReport {
                            name: list.name.clone(),
                            size: list.matcher.watchlist_size,
                            threshold: list.matcher.threshold,
                            wanted_on_list: list.wanted,
                            expected_true_alerts: expected[0],
                            expected_false_alerts: expected[1],
                            true_alerts: raised(0),
                            false_alerts: raised(1),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}
