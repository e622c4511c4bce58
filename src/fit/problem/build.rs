//! Writing the records down as a [`Problem`]: the parameters, with their
//! priors, and one likelihood term per record fitted.

use super::{Input, ListShare, Parameter, Prior, Problem, Term};
use crate::fit::records::{Evidence, Records};
use crate::fit::span::Span;

/// The prior of the mean ln prevalence: N(ln 10⁻⁴, 3²), wanted walk-pasts
/// per face from about 2 in 10 million to 1 in 25 (90 %).
const PREVALENCE_MEAN: f64 = -9.210_340_371_976_182;
const PREVALENCE_SD: f64 = 3.0;
/// The prior of τ, the sd of ln prevalence between deployments:
/// half-normal(1.5), so deployments' prevalences differ by up to e^(1.96·2.5)
/// ≈ 100-fold at the prior's 90 %.
const TAU_SD: f64 = 1.5;
/// The prior sd of a group's impostor shift, in score units: 0.03 moves a
/// tail of sd 0.06 by half an sd, a false-match ratio of about 10 at these
/// thresholds — NIST IR 8280 found ratios "by factors of 10 to beyond 100"
/// between groups, depending on the algorithm.
const SHIFT_SD: f64 = 0.03;
/// The range of the homophily factor H: from none (1) to 400, Howard,
/// Sirotin & Vemury (IEEE BTAS 2019), who found false matches ">400-fold"
/// likelier within groups of the same age, gender and race (one algorithm):
/// race alone is part of that.
const HOMOPHILY_HIGH: f64 = 400.0;

fn normal(name: &str, what: String, mean: f64, sd: f64) -> Parameter {
    Parameter {
        name: name.into(),
        what,
        prior: Prior::Normal { mean, sd },
        input: false,
    }
}

/// An input known as `span`: known if exact, else a parameter of its own
/// (log-uniform, or uniform for a share).
fn input(
    parameters: &mut Vec<Parameter>,
    span: Span,
    name: String,
    what: &str,
    share: bool,
) -> Input {
    if span.is_exact() {
        return Input::Known(span.low);
    }
    let (low, high) = (span.low, span.high);
    parameters.push(Parameter {
        name,
        what: format!("{what}, between {low} and {high}"),
        prior: if share {
            Prior::Uniform { low, high }
        } else {
            Prior::LogUniform { low, high }
        },
        input: true,
    });
    Input::Parameter(parameters.len() - 1)
}

/// The parameters every fit has: the impostor tail at `anchor` (of the
/// passers' mix, `reference`'s shifted for the others) and the genuine
/// scores.
fn base_parameters(anchor: f64, reference: &str) -> Vec<Parameter> {
    vec![
        normal(
            "log10_fmr",
            format!(
                "log₁₀ false-match rate per comparison at {anchor}, of the passers' mix \
                 ({reference}'s tail, shifted for the others)"
            ),
            -8.0,
            2.0,
        ),
        normal(
            "ln_impostor_sd",
            "ln impostor score sd (the tail's slope)".into(),
            0.07f64.ln(),
            0.5,
        ),
        normal(
            "logit_tpir",
            format!("logit detection rate per walk past at {anchor}"),
            (0.8f64 / 0.2).ln(),
            1.5,
        ),
        normal(
            "ln_genuine_sd",
            "ln genuine score sd".into(),
            0.1f64.ln(),
            0.5,
        ),
    ]
}

/// With counts by group of its own: each group's impostor shift, and
/// homophily where a deployment's list is not balanced (their indices).
fn group_parameters(
    fitted: &[(usize, &Evidence, bool)],
    labels: &[String],
    parameters: &mut Vec<Parameter>,
) -> (Option<usize>, Option<usize>) {
    let reference = &labels[0];
    let own_counts_by_group = fitted.iter().any(|(_, e, own)| {
        *own && matches!(
            e,
            Evidence::LabFalsePositives {
                groups: Some(_),
                ..
            } | Evidence::Deployment {
                groups: Some(_),
                ..
            }
        )
    });
    if own_counts_by_group && labels.len() > 1 {
        let first = parameters.len();
        for label in &labels[1..] {
            parameters.push(normal(
                &format!("impostor_shift[{label}]"),
                format!("{label}'s impostor scores above {reference}'s, in score units"),
                0.0,
                SHIFT_SD,
            ));
        }
        // Homophily matters only where a list is not balanced: the
        // deployments' lists.
        let deployment_groups = fitted.iter().any(|(_, e, own)| {
            *own && matches!(
                e,
                Evidence::Deployment {
                    groups: Some(_),
                    ..
                }
            )
        });
        let homophily = deployment_groups.then(|| {
            parameters.push(Parameter {
                name: "homophily".into(),
                what: "how many times likelier a false match within a group than across, \
                       between 1 and 400"
                    .into(),
                prior: Prior::LogUniform {
                    low: 1.0,
                    high: HOMOPHILY_HIGH,
                },
                input: false,
            });
            parameters.len() - 1
        });
        (Some(first), homophily)
    } else {
        (None, None)
    }
}

/// A deployment's term (`None` if nothing of it is fitted): its false
/// alerts if its matcher is the one fitted (`own`), its true alerts if so
/// or with a detection range; `grouped` if group shifts are fitted.
fn deployment_term(
    records: &Records,
    evidence: &Evidence,
    (index, own, anchor, grouped): (usize, bool, f64, bool),
    labels: &[String],
    parameters: &mut Vec<Parameter>,
) -> Option<Term> {
    let id = &records.records[index].id;
    let Evidence::Deployment {
        faces,
        threshold,
        watchlist,
        false_alerts,
        true_alerts,
        tpir,
        passers,
        composition,
        groups,
    } = evidence.clone()
    else {
        return None;
    };
    let false_alerts = false_alerts.filter(|_| own);
    let true_alerts = true_alerts.filter(|_| own || tpir.is_some());
    if false_alerts.is_none() && true_alerts.is_none() {
        return None;
    }
    let watchlist = input(
        parameters,
        watchlist,
        format!("watchlist[{id}]"),
        "list size",
        false,
    );
    let list = composition.filter(|_| grouped).map(|shares| {
        shares
            .iter()
            .zip(labels)
            .map(|(share, label)| match share {
                Some(span) => ListShare::Given(input(
                    parameters,
                    *span,
                    format!("list_share[{id}.{label}]"),
                    &format!("{label}'s share of the list"),
                    true,
                )),
                None => ListShare::Rest,
            })
            .collect()
    });
    let true_alerts = true_alerts.map(|count| {
        let detection = (!own).then(|| {
            let span = tpir.expect("another matcher's true alerts come with a range");
            parameters.push(Parameter {
                name: format!("tpir[{id}]"),
                what: format!(
                    "detection rate per walk past of {}, between {} and {}",
                    records.records[index].matcher, span.low, span.high
                ),
                prior: Prior::Uniform {
                    low: span.low,
                    high: span.high,
                },
                input: true,
            });
            parameters.len() - 1
        });
        (count, detection)
    });
    Some(Term::Deployment {
        faces: faces as f64,
        threshold: threshold.unwrap_or(anchor),
        watchlist,
        passers,
        list,
        false_alerts,
        groups: groups.filter(|_| grouped && own),
        true_alerts,
    })
}

impl Problem {
    /// The posterior of the records of `matcher` in `records` (those of
    /// other matchers only inform the prevalence, through their true alerts
    /// and a detection range). `None` if no record of it is fitted.
    pub fn new(records: &Records, matcher: &str) -> Option<Problem> {
        let fitted: Vec<(usize, &Evidence, bool)> = records
            .records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.evidence.as_ref().ok()?, r.matcher == matcher)))
            .collect();
        if !fitted.iter().any(|(_, _, own)| *own) {
            return None;
        }
        let anchor = fitted
            .iter()
            .find_map(|(_, e, own)| match e {
                Evidence::LabFalsePositives { thresholds, .. } if *own => Some(thresholds[0]),
                _ => None,
            })
            .unwrap_or(0.6);
        let labels = records.groups.labels.clone();
        let reference = &labels[0];
        let mut parameters = base_parameters(anchor, reference);
        let (shifts, homophily) = group_parameters(&fitted, &labels, &mut parameters);
        let has_true_alerts = fitted.iter().any(|(_, e, own)| {
            matches!(e, Evidence::Deployment { true_alerts: Some(_), tpir, .. }
                if *own || tpir.is_some())
        });
        let prevalence = has_true_alerts.then(|| {
            parameters.push(normal(
                "prevalence_mu",
                "mean ln wanted walk-pasts per face, across deployments".into(),
                PREVALENCE_MEAN,
                PREVALENCE_SD,
            ));
            parameters.push(Parameter {
                name: "ln_prevalence_tau".into(),
                what: "ln sd of ln prevalence between deployments".into(),
                prior: Prior::HalfNormal { sd: TAU_SD },
                input: false,
            });
            (parameters.len() - 2, parameters.len() - 1)
        });
        let mut terms = Vec::new();
        for (index, evidence, own) in fitted {
            let id = &records.records[index].id;
            match evidence.clone() {
                Evidence::LabFalsePositives {
                    reference_set,
                    searches,
                    thresholds,
                    counts,
                    passers,
                    groups,
                } if own => {
                    let searches = input(
                        &mut parameters,
                        searches,
                        format!("searches[{id}]"),
                        "non-mated searches",
                        false,
                    );
                    terms.push((
                        index,
                        Term::LabFalse {
                            reference_set: reference_set as f64,
                            searches,
                            thresholds,
                            counts,
                            passers,
                            groups: groups.filter(|_| shifts.is_some()),
                        },
                    ));
                }
                Evidence::LabTruePositives {
                    threshold,
                    opportunities,
                    successes,
                } if own => terms.push((
                    index,
                    Term::LabTrue {
                        threshold,
                        opportunities,
                        successes,
                    },
                )),
                Evidence::Deployment { .. } => {
                    let at = (index, own, anchor, shifts.is_some());
                    if let Some(term) =
                        deployment_term(records, evidence, at, &labels, &mut parameters)
                    {
                        terms.push((index, term));
                    }
                }
                _ => {}
            }
        }
        Some(Problem {
            parameters,
            anchor,
            matcher: matcher.to_string(),
            passers: records.groups.passers.clone(),
            labels,
            terms,
            prevalence,
            shifts,
            homophily,
        })
    }
}
