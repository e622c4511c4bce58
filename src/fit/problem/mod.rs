//! The statistical model of the records: parameters with stated priors,
//! each record's likelihood, and simulated records for checks.
//!
//! **The matcher.** Impostor scores have a normal tail and genuine scores
//! are normal, on the score scale [0, 1]. The sampler works on four
//! unconstrained numbers for the reference group (the records file's
//! `[groups] reference`, White for the bundled records):
//!
//! * `log10_fmr` — log₁₀ of the per-comparison false-match rate at the
//!   anchor threshold T₀ (the first lab threshold, 0.60 for NeoFace V4) of
//!   the records' mix of passers (`[groups] passers`): the reference
//!   group's is solved from it and the groups' shifts, so that the counts
//!   pin this one number and the shifts move only who the false matches
//!   fall on (on the reference's own FMR, the two ran along a ridge that
//!   the sampler crossed slowly);
//! * `ln_impostor_sd` — the impostor tail's slope: FMR(T) =
//!   Q(Q⁻¹(FMR(T₀)) + (T − T₀)/σ);
//! * `logit_tpir` — the detection rate per walk past at T₀;
//! * `ln_genuine_sd` — how fast detection falls above T₀: TPIR(T) =
//!   Q(Q⁻¹(TPIR(T₀)) + (T − T₀)/σ_g) (the best impostor's competition,
//!   relative 10⁻⁴ at these thresholds, is left out).
//!
//! A search of N entries alerts falsely with FPIR = 1 − (1 − FMR)^N.
//!
//! **Groups.** Where records count false alerts by group, each other group
//! has its own impostor shift δ (its scores sit δ higher: FMR ratios that
//! grow with the threshold), and false matches within a group are H times
//! as likely as across groups (homophily): a member of a group that is a
//! share w of the list has (w·H + 1 − w)/(H/G + 1 − 1/G) times the false
//! matches it would have against the balanced reference set the tail is
//! measured with. A record's totals are over its passers' mix of groups; its
//! counts by group are multinomial in each group's share of them.
//!
//! **Prevalence.** A deployment's true alerts are Poisson with mean faces ×
//! p × TPIR, p being its wanted walk-pasts per face. Deployments differ
//! (a list built the day before, a standing list of 16,000): ln p is
//! normal across deployments, ln p_d = μ + τ·z_d with z_d ~ N(0, 1). Each
//! z_d is integrated out of its deployment's likelihood — a Poisson
//! log-normal, by adaptive Gauss–Hermite quadrature about the integrand's
//! mode — so the sampler sees only μ and τ. Sampled as parameters, the z_d
//! (or the ln p_d) made a funnel that a random walk could not cross:
//! simulation-based calibration found 40 % to 80 % coverage of 90 %
//! intervals that way.
//!
//! **Likelihoods.** Lab false positives at ascending thresholds on the same
//! searches are nested: the count at the lowest is Poisson(n·FPIR), each
//! next is binomial among the previous with FPIR(Tⱼ)/FPIR(Tⱼ₋₁). Lab true
//! positives are binomial. A deployment's false alerts are Poisson(faces ×
//! FPIR), its true alerts Poisson log-normal as above. An input known only
//! as a range (searches, a list's size or composition, another matcher's
//! detection rate) is a parameter of its own, uniform in its logarithm (a
//! share or a rate: uniform) between the bounds.

mod build;
mod prior;
mod quadrature;
mod tail;

pub use prior::{Parameter, Prior, logistic, rng_for_checks, standard_normal};
pub use tail::Tail;

use super::groups::GroupCounts;
use crate::rng::SimRng;
use crate::stats::normal_upper_quantile;
use quadrature::{binomial_ln, lognormal_mode, multinomial_ln, poisson_ln, poisson_lognormal_ln};
use rand_distr::{Binomial, Distribution, Poisson};

/// An input of a record: known, or a parameter (index) of the fit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    Known(f64),
    Parameter(usize),
}

impl Input {
    fn value(&self, problem: &Problem, x: &[f64]) -> f64 {
        match *self {
            Input::Known(v) => v,
            Input::Parameter(i) => problem.parameters[i].prior.value(x[i]),
        }
    }
}

/// A group's share of a list: known, a parameter, or a share of what the
/// others leave in proportion to passers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ListShare {
    Given(Input),
    Rest,
}

/// A fitted record's likelihood.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    LabFalse {
        reference_set: f64,
        searches: Input,
        thresholds: Vec<f64>,
        counts: Vec<u64>,
        passers: Vec<f64>,
        groups: Option<GroupCounts>,
    },
    LabTrue {
        threshold: f64,
        opportunities: u64,
        successes: u64,
    },
    Deployment {
        faces: f64,
        threshold: f64,
        watchlist: Input,
        passers: Vec<f64>,
        /// The list's composition by group; `None`: like the passers.
        list: Option<Vec<ListShare>>,
        /// False alerts, when this matcher's are fitted.
        false_alerts: Option<u64>,
        /// False alerts by group.
        groups: Option<GroupCounts>,
        /// True alerts, and the detection rate (this matcher's at
        /// `threshold`, or a parameter).
        true_alerts: Option<(u64, Option<usize>)>,
    },
}

/// What one record counted: the numbers a simulation replaces (its totals,
/// then its counts by group, then a deployment's true alerts).
pub type Counts = Vec<u64>;

/// The records as a posterior to sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The parameters, in the sampler's order.
    pub parameters: Vec<Parameter>,
    /// The anchor threshold T₀.
    pub anchor: f64,
    /// The matcher fitted.
    pub matcher: String,
    /// The groups' labels, the reference first.
    pub labels: Vec<String>,
    /// The passers' mix the fitted rates are reported for.
    pub passers: Vec<f64>,
    /// Each fitted record's index in its file, and its likelihood.
    terms: Vec<(usize, Term)>,
    /// The prevalence's mean and ln τ, if any record has true alerts.
    prevalence: Option<(usize, usize)>,
    /// The first of the groups' shifts (one per group after the
    /// reference), and homophily, if fitted.
    shifts: Option<usize>,
    homophily: Option<usize>,
}

/// Where the four matcher parameters sit.
const LOG10_FMR: usize = 0;
const LN_IMPOSTOR_SD: usize = 1;
const LOGIT_TPIR: usize = 2;
const LN_GENUINE_SD: usize = 3;

impl Problem {
    /// Number of parameters.
    pub fn dimension(&self) -> usize {
        self.parameters.len()
    }

    /// The records fitted, by index in their file.
    pub fn records(&self) -> impl Iterator<Item = usize> + '_ {
        self.terms.iter().map(|(index, _)| *index)
    }

    /// Whether groups' shifts and homophily are fitted.
    pub fn fits_groups(&self) -> bool {
        self.shifts.is_some()
    }

    /// The matcher at `x`; `None` where FMR(T₀) is not a rate.
    pub fn tail(&self, x: &[f64]) -> Option<Tail> {
        let fmr = 10f64.powf(x[LOG10_FMR]);
        if !(fmr > 0.0 && fmr < 0.5) {
            return None;
        }
        let tpir = logistic(x[LOGIT_TPIR]);
        if !(tpir > 1e-12 && tpir < 1.0 - 1e-12) {
            return None;
        }
        let mut shifts = vec![0.0; self.labels.len()];
        if let Some(first) = self.shifts {
            shifts[1..].copy_from_slice(&x[first..first + self.labels.len() - 1]);
        }
        let homophily = self
            .homophily
            .map_or(1.0, |i| self.parameters[i].prior.value(x[i]));
        let impostor_sd = x[LN_IMPOSTOR_SD].exp();
        Some(Tail {
            anchor: self.anchor,
            z_impostor: reference_z(fmr, &self.passers, &shifts, impostor_sd)?,
            impostor_sd,
            z_genuine: normal_upper_quantile(tpir),
            genuine_sd: x[LN_GENUINE_SD].exp(),
            shifts,
            homophily,
        })
    }

    /// The mean and sd of ln prevalence across deployments at `x`.
    pub fn prevalence_spread(&self, x: &[f64]) -> Option<(f64, f64)> {
        self.prevalence.map(|(mu, tau)| (x[mu], x[tau].exp()))
    }

    /// A draw from the prior, where the matcher's rates are rates.
    pub fn draw_prior(&self, rng: &mut SimRng) -> Vec<f64> {
        loop {
            let x: Vec<f64> = self.parameters.iter().map(|p| p.prior.draw(rng)).collect();
            if self.tail(&x).is_some() {
                return x;
            }
        }
    }

    /// The log prior density at `x`.
    pub fn log_prior(&self, x: &[f64]) -> f64 {
        self.parameters
            .iter()
            .zip(x)
            .map(|(p, &x)| p.prior.log_density(x))
            .sum()
    }

    /// The log posterior density at `x`, up to a constant, leaving out the
    /// record at file index `left_out` if given.
    pub fn log_posterior(&self, x: &[f64], left_out: Option<usize>) -> f64 {
        if x.iter().any(|v| !v.is_finite()) {
            return f64::NEG_INFINITY;
        }
        let Some(tail) = self.tail(x) else {
            return f64::NEG_INFINITY;
        };
        let mut sum = self.log_prior(x);
        for (index, term) in &self.terms {
            if Some(*index) != left_out {
                sum += self.log_likelihood(term, &tail, x);
            }
        }
        if sum.is_nan() { f64::NEG_INFINITY } else { sum }
    }

    /// A deployment's list composition at `x` (`None` where its given
    /// shares leave less than nothing for the rest).
    fn list_at(&self, list: &[ListShare], passers: &[f64], x: &[f64]) -> Option<Vec<f64>> {
        let given: f64 = list
            .iter()
            .map(|s| match s {
                ListShare::Given(input) => input.value(self, x),
                ListShare::Rest => 0.0,
            })
            .sum();
        let rest: f64 = list
            .iter()
            .zip(passers)
            .filter(|(s, _)| **s == ListShare::Rest)
            .map(|(_, p)| p)
            .sum();
        if given > 1.0 + 1e-12 {
            return None;
        }
        Some(
            list.iter()
                .zip(passers)
                .map(|(s, &p)| match s {
                    ListShare::Given(input) => input.value(self, x),
                    ListShare::Rest if rest > 0.0 => (1.0 - given) * p / rest,
                    ListShare::Rest => 0.0,
                })
                .collect(),
        )
    }

    /// A lab record's per-group weights at each threshold.
    fn lab_weights(
        &self,
        tail: &Tail,
        reference_set: f64,
        thresholds: &[f64],
        passers: &[f64],
    ) -> Vec<Vec<f64>> {
        thresholds
            .iter()
            .map(|&t| tail.weights(passers, None, reference_set, t))
            .collect()
    }

    fn log_likelihood(&self, term: &Term, tail: &Tail, x: &[f64]) -> f64 {
        match term {
            Term::LabFalse {
                reference_set,
                searches,
                thresholds,
                counts,
                passers,
                groups,
            } => {
                let n = searches.value(self, x);
                let weights = self.lab_weights(tail, *reference_set, thresholds, passers);
                let fpir: Vec<f64> = weights.iter().map(|w| w.iter().sum()).collect();
                let mut sum = poisson_ln(counts[0], n * fpir[0]);
                for j in 1..counts.len() {
                    sum += binomial_ln(counts[j], counts[j - 1], fpir[j] / fpir[j - 1]);
                }
                if let Some(groups) = groups {
                    sum += cells_ln(groups, &weights[groups.threshold_index]);
                }
                sum
            }
            Term::LabTrue {
                threshold,
                opportunities,
                successes,
            } => binomial_ln(*successes, *opportunities, tail.tpir(*threshold)),
            Term::Deployment {
                faces,
                threshold,
                watchlist,
                passers,
                list,
                false_alerts,
                groups,
                true_alerts,
            } => {
                let mut sum = 0.0;
                if let Some(k) = false_alerts {
                    let entries = watchlist.value(self, x);
                    let list = match list {
                        Some(list) => match self.list_at(list, passers, x) {
                            Some(list) => Some(list),
                            None => return f64::NEG_INFINITY,
                        },
                        None => None,
                    };
                    let like_passers = list.is_none().then(|| passers.clone());
                    let composition = list.as_deref().or(like_passers.as_deref());
                    let weights = tail.weights(passers, composition, entries, *threshold);
                    sum += poisson_ln(*k, faces * weights.iter().sum::<f64>());
                    if let Some(groups) = groups {
                        sum += cells_ln(groups, &weights);
                    }
                }
                if let Some((k, detection)) = true_alerts {
                    let exposure = self.exposure(x, tail, *faces, *threshold, *detection);
                    let (mu, tau) = self.prevalence_spread(x).expect("a prevalence");
                    sum += poisson_lognormal_ln(*k, exposure.ln() + mu, tau);
                }
                sum
            }
        }
    }

    /// A deployment's true alerts per unit of prevalence (faces × its
    /// detection rate) at `x`.
    fn exposure(
        &self,
        x: &[f64],
        tail: &Tail,
        faces: f64,
        threshold: f64,
        detection: Option<usize>,
    ) -> f64 {
        let tpir = match detection {
            Some(i) => self.parameters[i].prior.value(x[i]),
            None => tail.tpir(threshold),
        };
        faces * tpir
    }

    /// Each fitted record's counts, as published (in [`Problem::records`]
    /// order).
    pub fn observed(&self) -> Vec<Counts> {
        self.terms.iter().map(|(_, term)| counts_of(term)).collect()
    }

    /// Each fitted record's counts drawn at `x`: what the records would
    /// have been, were `x` the truth — each deployment at a prevalence drawn
    /// afresh from the spread across deployments (as a new deployment's
    /// would be), or, with `conditioned`, from what its own published true
    /// alerts say of it given `x`.
    pub fn simulate(&self, x: &[f64], rng: &mut SimRng, conditioned: bool) -> Option<Vec<Counts>> {
        let tail = self.tail(x)?;
        let mut out = Vec::with_capacity(self.terms.len());
        for (_, term) in &self.terms {
            let counts = match term {
                Term::LabFalse {
                    reference_set,
                    searches,
                    thresholds,
                    passers,
                    groups,
                    ..
                } => {
                    let n = searches.value(self, x);
                    let weights = self.lab_weights(&tail, *reference_set, thresholds, passers);
                    let fpir: Vec<f64> = weights.iter().map(|w| w.iter().sum()).collect();
                    let mut counts = vec![poisson(n * fpir[0], rng)];
                    for j in 1..fpir.len() {
                        let previous = counts[j - 1];
                        counts.push(binomial(previous, fpir[j] / fpir[j - 1], rng));
                    }
                    if let Some(groups) = groups {
                        let j = groups.threshold_index;
                        counts.extend(split(counts[j], groups, &weights[j], rng));
                    }
                    counts
                }
                Term::LabTrue {
                    threshold,
                    opportunities,
                    ..
                } => vec![binomial(*opportunities, tail.tpir(*threshold), rng)],
                Term::Deployment {
                    faces,
                    threshold,
                    watchlist,
                    passers,
                    list,
                    false_alerts,
                    groups,
                    true_alerts,
                } => {
                    let mut counts = Vec::new();
                    if false_alerts.is_some() {
                        let entries = watchlist.value(self, x);
                        let list = match list {
                            Some(list) => Some(self.list_at(list, passers, x)?),
                            None => None,
                        };
                        let composition = list.as_deref().unwrap_or(passers);
                        let weights = tail.weights(passers, Some(composition), entries, *threshold);
                        let total = poisson(faces * weights.iter().sum::<f64>(), rng);
                        counts.push(total);
                        if let Some(groups) = groups {
                            counts.extend(split(total, groups, &weights, rng));
                        }
                    }
                    if let Some((k, detection)) = true_alerts {
                        let exposure = self.exposure(x, &tail, *faces, *threshold, *detection);
                        let (mu, tau) = self.prevalence_spread(x).expect("a prevalence");
                        let z = if conditioned {
                            // Its prevalence given its count: the Laplace
                            // approximation of z's conditional.
                            let (mode, sd) = lognormal_mode(*k, exposure.ln() + mu, tau);
                            mode + sd * standard_normal(rng)
                        } else {
                            standard_normal(rng)
                        };
                        counts.push(poisson(exposure * (mu + tau * z).exp(), rng));
                    }
                    counts
                }
            };
            out.push(counts);
        }
        Some(out)
    }

    /// Each deployment with true alerts (file index) and its prevalence —
    /// wanted walk-pasts per face — drawn from what its count says given
    /// `x`; and last (index `None`) a new deployment's, drawn from the
    /// spread across deployments.
    pub fn prevalences(&self, x: &[f64], rng: &mut SimRng) -> Vec<(Option<usize>, f64)> {
        let (Some(tail), Some((mu, tau))) = (self.tail(x), self.prevalence_spread(x)) else {
            return Vec::new();
        };
        let mut out: Vec<(Option<usize>, f64)> = self
            .terms
            .iter()
            .filter_map(|(index, term)| match term {
                Term::Deployment {
                    faces,
                    threshold,
                    true_alerts: Some((k, detection)),
                    ..
                } => {
                    let exposure = self.exposure(x, &tail, *faces, *threshold, *detection);
                    let (mode, sd) = lognormal_mode(*k, exposure.ln() + mu, tau);
                    let z = mode + sd * standard_normal(rng);
                    Some((Some(*index), (mu + tau * z).exp()))
                }
                _ => None,
            })
            .collect();
        out.push((None, (mu + tau * standard_normal(rng)).exp()));
        out
    }

    /// The same problem with each record's counts replaced by `counts` (in
    /// [`Problem::records`] order): a simulated record set.
    pub fn with_counts(&self, counts: &[Counts]) -> Problem {
        let mut problem = self.clone();
        for ((_, term), counts) in problem.terms.iter_mut().zip(counts) {
            let mut next = counts.iter().copied();
            let mut take = || next.next().expect("a count per figure");
            match term {
                Term::LabFalse { counts, groups, .. } => {
                    counts.iter_mut().for_each(|c| *c = take());
                    if let Some(groups) = groups {
                        groups.cells.iter_mut().for_each(|(_, k)| *k = take());
                    }
                }
                Term::LabTrue { successes, .. } => *successes = take(),
                Term::Deployment {
                    false_alerts,
                    groups,
                    true_alerts,
                    ..
                } => {
                    if let Some(k) = false_alerts {
                        *k = take();
                    }
                    if let Some(groups) = groups {
                        groups.cells.iter_mut().for_each(|(_, k)| *k = take());
                    }
                    if let Some((k, _)) = true_alerts {
                        *k = take();
                    }
                }
            }
        }
        problem
    }

    /// What each count of record `index` (file index) is, in words.
    pub fn count_names(&self, index: usize) -> Vec<String> {
        let Some((_, term)) = self.terms.iter().find(|(i, _)| *i == index) else {
            return Vec::new();
        };
        let cells = |groups: &Option<GroupCounts>, what: &str| -> Vec<String> {
            groups
                .iter()
                .flat_map(|g| {
                    g.cells.iter().map(move |(labels, _)| {
                        let names: Vec<&str> =
                            labels.iter().map(|&l| self.labels[l].as_str()).collect();
                        format!("{what} on {}", names.join(", "))
                    })
                })
                .collect()
        };
        match term {
            Term::LabFalse {
                thresholds, groups, ..
            } => thresholds
                .iter()
                .map(|t| format!("false positives at {t}"))
                .chain(cells(groups, "  of them"))
                .collect(),
            Term::LabTrue { threshold, .. } => vec![format!("true positives at {threshold}")],
            Term::Deployment {
                false_alerts,
                groups,
                true_alerts,
                ..
            } => false_alerts
                .map(|_| "false alerts".to_string())
                .into_iter()
                .chain(cells(groups, "  of them"))
                .chain(true_alerts.map(|_| "true alerts".to_string()))
                .collect(),
        }
    }
}

/// Q⁻¹ of the reference group's FMR at the anchor, given the passers' mix
/// `fmr` of the groups shifted by `shifts`: Σ sₗ·Q(z − δₗ/σ) = fmr, by
/// Newton's method on its logarithm (nearly linear in z in the tail).
fn reference_z(fmr: f64, passers: &[f64], shifts: &[f64], sd: f64) -> Option<f64> {
    use crate::stats::{normal_pdf, normal_upper_tail};
    let mut z = normal_upper_quantile(fmr);
    if shifts.iter().all(|&s| s == 0.0) {
        return Some(z);
    }
    for _ in 0..60 {
        let (mut tail, mut density) = (0.0, 0.0);
        for (&s, &d) in passers.iter().zip(shifts) {
            tail += s * normal_upper_tail(z - d / sd);
            density += s * normal_pdf(z - d / sd);
        }
        if !(tail > 0.0 && density > 0.0) {
            return None;
        }
        let step = ((tail.ln() - fmr.ln()) / (density / tail)).clamp(-2.0, 2.0);
        z += step;
        if step.abs() < 1e-12 {
            return Some(z);
        }
    }
    z.is_finite().then_some(z)
}

/// ln P of a record's counts by group, given each group's false alerts per
/// passer.
fn cells_ln(groups: &GroupCounts, weights: &[f64]) -> f64 {
    let (counts, cell_weights): (Vec<u64>, Vec<f64>) = groups
        .cells
        .iter()
        .map(|(labels, k)| (*k, labels.iter().map(|&l| weights[l]).sum::<f64>()))
        .unzip();
    multinomial_ln(&counts, &cell_weights)
}

/// `total` split over the cells of `groups` in proportion to their weights.
fn split(total: u64, groups: &GroupCounts, weights: &[f64], rng: &mut SimRng) -> Vec<u64> {
    let cell_weights: Vec<f64> = groups
        .cells
        .iter()
        .map(|(labels, _)| labels.iter().map(|&l| weights[l]).sum::<f64>())
        .collect();
    let mut left = total;
    let mut weight_left: f64 = cell_weights.iter().sum();
    let mut out = Vec::with_capacity(cell_weights.len());
    for (i, w) in cell_weights.iter().enumerate() {
        let k = if i + 1 == cell_weights.len() || weight_left <= 0.0 {
            left
        } else {
            binomial(left, w / weight_left, rng)
        };
        out.push(k);
        left -= k;
        weight_left -= w;
    }
    out
}

fn poisson(mean: f64, rng: &mut SimRng) -> u64 {
    if mean <= 0.0 {
        0
    } else {
        Poisson::new(mean).map_or(0, |d| d.sample(rng) as u64)
    }
}

fn binomial(n: u64, p: f64, rng: &mut SimRng) -> u64 {
    Binomial::new(n, p.clamp(0.0, 1.0)).map_or(0, |d| d.sample(rng))
}

/// The counts of a term, in order.
fn counts_of(term: &Term) -> Counts {
    let cells = |groups: &Option<GroupCounts>| -> Vec<u64> {
        groups
            .iter()
            .flat_map(|g| g.cells.iter().map(|(_, k)| *k))
            .collect()
    };
    match term {
        Term::LabFalse { counts, groups, .. } => {
            counts.iter().copied().chain(cells(groups)).collect()
        }
        Term::LabTrue { successes, .. } => vec![*successes],
        Term::Deployment {
            false_alerts,
            groups,
            true_alerts,
            ..
        } => false_alerts
            .iter()
            .copied()
            .chain(cells(groups))
            .chain(true_alerts.map(|(k, _)| k))
            .collect(),
    }
}
