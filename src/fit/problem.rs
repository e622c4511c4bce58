//! The statistical model of the records: parameters with stated priors,
//! each record's likelihood, and simulated records for checks.
//!
//! **The matcher.** Impostor scores have a normal tail and genuine scores
//! are normal, on the score scale [0, 1]. The sampler works on four
//! unconstrained numbers:
//!
//! * `log10_fmr` — log₁₀ of the per-comparison false-match rate at the
//!   anchor threshold T₀ (the first lab threshold, 0.60 for NeoFace V4);
//! * `ln_impostor_sd` — the impostor tail's slope: FMR(T) =
//!   Q(Q⁻¹(FMR(T₀)) + (T − T₀)/σ);
//! * `logit_tpir` — the detection rate per walk past at T₀;
//! * `ln_genuine_sd` — how fast detection falls above T₀: TPIR(T) =
//!   Q(Q⁻¹(TPIR(T₀)) + (T − T₀)/σ_g) (the best impostor's competition,
//!   relative 10⁻⁴ at these thresholds, is left out).
//!
//! A search of N entries alerts falsely with FPIR = 1 − (1 − FMR)^N.
//!
//! **Prevalence.** A deployment's true alerts are Poisson with mean faces ×
//! p × TPIR, p being its wanted walk-pasts per face. Deployments differ
//! (a list built the day before, a standing list of 16,000): ln p is
//! normal across deployments, ln p_d = μ + τ·z_d with z_d ~ N(0, 1). Each
//! z_d is integrated out of its deployment's likelihood — a Poisson
//! log-normal, by adaptive Gauss–Hermite quadrature about the integrand's
//! mode (Liu & Pierce, Biometrika 81(3), 1994) — so the sampler sees only μ
//! and τ. Sampled as parameters, the z_d (or the ln p_d) made a funnel that
//! a random walk could not cross: simulation-based calibration found 40 %
//! to 80 % coverage of 90 % intervals that way.
//!
//! **Likelihoods.** Lab false positives at ascending thresholds on the same
//! searches are nested: the count at the lowest is Poisson(n·FPIR), each
//! next is binomial among the previous with FPIR(Tⱼ)/FPIR(Tⱼ₋₁). Lab true
//! positives are binomial. A deployment's false alerts are Poisson(faces ×
//! FPIR), its true alerts Poisson(faces × p_d × TPIR). An input known only
//! as a range (searches, a list's size, another matcher's detection rate)
//! is a parameter of its own, uniform in its logarithm (a rate: uniform)
//! between the bounds.

use super::records::{Evidence, Records, Span};
use crate::rng::{SimRng, open01};
use crate::stats::{normal_upper_quantile, normal_upper_tail};
use rand::Rng;
use rand_distr::{Binomial, Distribution, Poisson};

/// A parameter's prior, on the sampler's unconstrained scale x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prior {
    /// x ~ N(mean, sd²); the value is x.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// The value τ = eˣ is half-normal with this sd.
    HalfNormal {
        /// The sd of the normal it is the positive half of.
        sd: f64,
    },
    /// The value is uniform in its logarithm on [low, high]: x is its
    /// logit position.
    LogUniform {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
    },
    /// The value is uniform on [low, high]: x is its logit position.
    Uniform {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
    },
}

impl Prior {
    /// The log density of x (with the Jacobian where the value is a
    /// transform of x), up to a constant.
    pub fn log_density(&self, x: f64) -> f64 {
        match *self {
            Prior::Normal { mean, sd } => -0.5 * ((x - mean) / sd).powi(2),
            Prior::HalfNormal { sd } => {
                let tau = x.exp();
                -0.5 * (tau / sd).powi(2) + x
            }
            Prior::LogUniform { .. } | Prior::Uniform { .. } => {
                // s = logistic(x) is uniform: density s(1 − s).
                -(-x).exp().ln_1p() - x.exp().ln_1p()
            }
        }
    }

    /// Whether this is an input known only as a range (a nuisance the
    /// records cannot be expected to narrow), not a quantity learned.
    pub fn is_range(&self) -> bool {
        matches!(self, Prior::LogUniform { .. } | Prior::Uniform { .. })
    }

    /// The value of x on its natural scale.
    pub fn value(&self, x: f64) -> f64 {
        match *self {
            Prior::Normal { .. } => x,
            Prior::HalfNormal { .. } => x.exp(),
            Prior::LogUniform { low, high } => {
                (low.ln() + logistic(x) * (high.ln() - low.ln())).exp()
            }
            Prior::Uniform { low, high } => low + logistic(x) * (high - low),
        }
    }

    /// A draw of x from the prior.
    pub fn draw(&self, rng: &mut SimRng) -> f64 {
        match *self {
            Prior::Normal { mean, sd } => mean + sd * standard_normal(rng),
            Prior::HalfNormal { sd } => (sd * standard_normal(rng).abs()).max(1e-300).ln(),
            Prior::LogUniform { .. } | Prior::Uniform { .. } => {
                let u = open01(rng.next_u64());
                (u / (1.0 - u)).ln()
            }
        }
    }
}

/// A random stream for checks of a fit (simulated records, prior draws):
/// deterministic in `seed`.
pub fn rng_for_checks(seed: u64) -> SimRng {
    crate::rng::stream(seed, &[0x4348_4543])
}

/// The logistic function.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A standard normal draw, by inversion.
pub fn standard_normal(rng: &mut SimRng) -> f64 {
    normal_upper_quantile(open01(rng.next_u64()))
}

/// One parameter of the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Its name, as printed.
    pub name: String,
    /// What it is, in words, with its natural units.
    pub what: String,
    /// Its prior, and the sampler's scale.
    pub prior: Prior,
}

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

/// A fitted record's likelihood.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    LabFalse {
        reference_set: f64,
        searches: Input,
        thresholds: Vec<f64>,
        counts: Vec<u64>,
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
        /// False alerts, when this matcher's are fitted.
        false_alerts: Option<u64>,
        /// True alerts, and the detection rate (this matcher's at
        /// `threshold`, or a parameter).
        true_alerts: Option<(u64, Option<usize>)>,
    },
}

/// What one record counted: the numbers a simulation replaces.
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
    /// Each fitted record's index in its file, and its likelihood.
    terms: Vec<(usize, Term)>,
    /// The prevalence's mean and ln τ, if any record has true alerts.
    prevalence: Option<(usize, usize)>,
}

/// The prior of the mean ln prevalence: N(ln 10⁻⁴, 3²), wanted walk-pasts
/// per face from about 2 in 10 million to 1 in 25 (90 %).
const PREVALENCE_MEAN: f64 = -9.210_340_371_976_182;
const PREVALENCE_SD: f64 = 3.0;
/// The prior of τ, the sd of ln prevalence between deployments:
/// half-normal(1.5), so deployments' prevalences differ by up to e^(1.96·2.5)
/// ≈ 100-fold at the prior's 90 %.
const TAU_SD: f64 = 1.5;

/// Where the four matcher parameters sit.
const LOG10_FMR: usize = 0;
const LN_IMPOSTOR_SD: usize = 1;
const LOGIT_TPIR: usize = 2;
const LN_GENUINE_SD: usize = 3;

/// The matcher at one draw of the parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tail {
    /// Anchor threshold.
    pub anchor: f64,
    /// Q⁻¹(FMR(T₀)).
    pub z_impostor: f64,
    /// Impostor sd.
    pub impostor_sd: f64,
    /// Q⁻¹(TPIR(T₀)).
    pub z_genuine: f64,
    /// Genuine sd.
    pub genuine_sd: f64,
}

impl Tail {
    /// Per-comparison false-match rate at `threshold`.
    pub fn fmr(&self, threshold: f64) -> f64 {
        normal_upper_tail(self.z_impostor + (threshold - self.anchor) / self.impostor_sd)
    }
    /// FPIR of a search of `entries` at `threshold`.
    pub fn fpir(&self, entries: f64, threshold: f64) -> f64 {
        -(entries * (-self.fmr(threshold)).ln_1p()).exp_m1()
    }
    /// Detection rate per walk past at `threshold`.
    pub fn tpir(&self, threshold: f64) -> f64 {
        normal_upper_tail(self.z_genuine + (threshold - self.anchor) / self.genuine_sd)
    }
    /// The impostor scores' normal: mean and sd.
    pub fn impostor(&self) -> (f64, f64) {
        (
            self.anchor - self.impostor_sd * self.z_impostor,
            self.impostor_sd,
        )
    }
    /// The genuine scores' normal: mean and sd.
    pub fn genuine(&self) -> (f64, f64) {
        (
            self.anchor - self.genuine_sd * self.z_genuine,
            self.genuine_sd,
        )
    }
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
        let mut parameters = vec![
            Parameter {
                name: "log10_fmr".into(),
                what: format!("log₁₀ false-match rate per comparison at {anchor}"),
                prior: Prior::Normal {
                    mean: -8.0,
                    sd: 2.0,
                },
            },
            Parameter {
                name: "ln_impostor_sd".into(),
                what: "ln impostor score sd (the tail's slope)".into(),
                prior: Prior::Normal {
                    mean: 0.07f64.ln(),
                    sd: 0.5,
                },
            },
            Parameter {
                name: "logit_tpir".into(),
                what: format!("logit detection rate per walk past at {anchor}"),
                prior: Prior::Normal {
                    mean: (0.8f64 / 0.2).ln(),
                    sd: 1.5,
                },
            },
            Parameter {
                name: "ln_genuine_sd".into(),
                what: "ln genuine score sd".into(),
                prior: Prior::Normal {
                    mean: 0.1f64.ln(),
                    sd: 0.5,
                },
            },
        ];
        let has_true_alerts = fitted.iter().any(|(_, e, own)| {
            matches!(e, Evidence::Deployment { true_alerts: Some(_), tpir, .. }
                if *own || tpir.is_some())
        });
        let prevalence = has_true_alerts.then(|| {
            parameters.push(Parameter {
                name: "prevalence_mu".into(),
                what: "mean ln wanted walk-pasts per face, across deployments".into(),
                prior: Prior::Normal {
                    mean: PREVALENCE_MEAN,
                    sd: PREVALENCE_SD,
                },
            });
            parameters.push(Parameter {
                name: "ln_prevalence_tau".into(),
                what: "ln sd of ln prevalence between deployments".into(),
                prior: Prior::HalfNormal { sd: TAU_SD },
            });
            (parameters.len() - 2, parameters.len() - 1)
        });
        let input = |parameters: &mut Vec<Parameter>, span: Span, name: String, what: &str| {
            if span.is_exact() {
                return Input::Known(span.low);
            }
            parameters.push(Parameter {
                name,
                what: format!("{what}, between {} and {}", span.low, span.high),
                prior: Prior::LogUniform {
                    low: span.low,
                    high: span.high,
                },
            });
            Input::Parameter(parameters.len() - 1)
        };
        let mut terms = Vec::new();
        for (index, evidence, own) in fitted {
            let id = &records.records[index].id;
            match evidence.clone() {
                Evidence::LabFalsePositives {
                    reference_set,
                    searches,
                    thresholds,
                    counts,
                } if own => {
                    let searches = input(
                        &mut parameters,
                        searches,
                        format!("searches[{id}]"),
                        "non-mated searches",
                    );
                    terms.push((
                        index,
                        Term::LabFalse {
                            reference_set: reference_set as f64,
                            searches,
                            thresholds,
                            counts,
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
                Evidence::Deployment {
                    faces,
                    threshold,
                    watchlist,
                    false_alerts,
                    true_alerts,
                    tpir,
                } => {
                    let false_alerts = false_alerts.filter(|_| own);
                    let true_alerts = true_alerts.filter(|_| own || tpir.is_some());
                    if false_alerts.is_none() && true_alerts.is_none() {
                        continue;
                    }
                    let watchlist = input(
                        &mut parameters,
                        watchlist,
                        format!("watchlist[{id}]"),
                        "list size",
                    );
                    let true_alerts = true_alerts.map(|count| {
                        let detection = (!own).then(|| {
                            let span =
                                tpir.expect("another matcher's true alerts come with a range");
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
                            });
                            parameters.len() - 1
                        });
                        (count, detection)
                    });
                    terms.push((
                        index,
                        Term::Deployment {
                            faces: faces as f64,
                            threshold: threshold.unwrap_or(anchor),
                            watchlist,
                            false_alerts,
                            true_alerts,
                        },
                    ));
                }
                _ => {}
            }
        }
        Some(Problem {
            parameters,
            anchor,
            matcher: matcher.to_string(),
            terms,
            prevalence,
        })
    }

    /// Number of parameters.
    pub fn dimension(&self) -> usize {
        self.parameters.len()
    }

    /// The records fitted, by index in their file.
    pub fn records(&self) -> impl Iterator<Item = usize> + '_ {
        self.terms.iter().map(|(index, _)| *index)
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
        Some(Tail {
            anchor: self.anchor,
            z_impostor: normal_upper_quantile(fmr),
            impostor_sd: x[LN_IMPOSTOR_SD].exp(),
            z_genuine: normal_upper_quantile(tpir),
            genuine_sd: x[LN_GENUINE_SD].exp(),
        })
    }

    /// The mean and sd of ln prevalence across deployments at `x`.
    pub fn prevalence_spread(&self, x: &[f64]) -> Option<(f64, f64)> {
        self.prevalence.map(|(mu, tau)| (x[mu], x[tau].exp()))
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
        let Some(tail) = self.tail(x) else {
            return f64::NEG_INFINITY;
        };
        if x.iter().any(|v| !v.is_finite()) {
            return f64::NEG_INFINITY;
        }
        let mut sum = self.log_prior(x);
        for (index, term) in &self.terms {
            if Some(*index) != left_out {
                sum += self.log_likelihood(term, &tail, x);
            }
        }
        if sum.is_nan() { f64::NEG_INFINITY } else { sum }
    }

    fn log_likelihood(&self, term: &Term, tail: &Tail, x: &[f64]) -> f64 {
        match term {
            Term::LabFalse {
                reference_set,
                searches,
                thresholds,
                counts,
            } => {
                let n = searches.value(self, x);
                let fpir: Vec<f64> = thresholds
                    .iter()
                    .map(|&t| tail.fpir(*reference_set, t))
                    .collect();
                let mut sum = poisson_ln(counts[0], n * fpir[0]);
                for j in 1..counts.len() {
                    sum += binomial_ln(counts[j], counts[j - 1], fpir[j] / fpir[j - 1]);
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
                false_alerts,
                true_alerts,
            } => {
                let mut sum = 0.0;
                if let Some(k) = false_alerts {
                    let entries = watchlist.value(self, x);
                    sum += poisson_ln(*k, faces * tail.fpir(entries, *threshold));
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
        let poisson = |mean: f64, rng: &mut SimRng| -> u64 {
            if mean <= 0.0 {
                0
            } else {
                Poisson::new(mean).map_or(0, |d| d.sample(rng) as u64)
            }
        };
        let binomial = |n: u64, p: f64, rng: &mut SimRng| -> u64 {
            Binomial::new(n, p.clamp(0.0, 1.0)).map_or(0, |d| d.sample(rng))
        };
        let simulated = self
            .terms
            .iter()
            .map(|(_, term)| match term {
                Term::LabFalse {
                    reference_set,
                    searches,
                    thresholds,
                    ..
                } => {
                    let n = searches.value(self, x);
                    let fpir: Vec<f64> = thresholds
                        .iter()
                        .map(|&t| tail.fpir(*reference_set, t))
                        .collect();
                    let mut counts = vec![poisson(n * fpir[0], rng)];
                    for j in 1..fpir.len() {
                        let previous = counts[j - 1];
                        counts.push(binomial(previous, fpir[j] / fpir[j - 1], rng));
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
                    false_alerts,
                    true_alerts,
                } => {
                    let mut counts = Vec::new();
                    if false_alerts.is_some() {
                        let entries = watchlist.value(self, x);
                        counts.push(poisson(faces * tail.fpir(entries, *threshold), rng));
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
            })
            .collect();
        Some(simulated)
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
            match term {
                Term::LabFalse { counts: c, .. } => c.clone_from(counts),
                Term::LabTrue { successes, .. } => *successes = counts[0],
                Term::Deployment {
                    false_alerts,
                    true_alerts,
                    ..
                } => {
                    let mut next = counts.iter();
                    if let Some(k) = false_alerts {
                        *k = *next.next().expect("a count per figure");
                    }
                    if let Some((k, _)) = true_alerts {
                        *k = *next.next().expect("a count per figure");
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
        match term {
            Term::LabFalse { thresholds, .. } => thresholds
                .iter()
                .map(|t| format!("false positives at {t}"))
                .collect(),
            Term::LabTrue { threshold, .. } => vec![format!("true positives at {threshold}")],
            Term::Deployment {
                false_alerts,
                true_alerts,
                ..
            } => false_alerts
                .map(|_| "false alerts".to_string())
                .into_iter()
                .chain(true_alerts.map(|_| "true alerts".to_string()))
                .collect(),
        }
    }
}

/// The counts of a term, in order.
fn counts_of(term: &Term) -> Counts {
    match term {
        Term::LabFalse { counts, .. } => counts.clone(),
        Term::LabTrue { successes, .. } => vec![*successes],
        Term::Deployment {
            false_alerts,
            true_alerts,
            ..
        } => false_alerts
            .iter()
            .copied()
            .chain(true_alerts.map(|(k, _)| k))
            .collect(),
    }
}

/// The mode and curvature sd in z of the Poisson log-normal integrand
/// e^(g(z)), g(z) = k·(a + τz) − e^(a + τz) − z²/2: g is concave, so
/// damped Newton finds its mode.
fn lognormal_mode(k: u64, a: f64, tau: f64) -> (f64, f64) {
    let k = k as f64;
    let mut z = 0.0;
    for _ in 0..100 {
        let lambda = (a + tau * z).exp();
        let gradient = k * tau - tau * lambda - z;
        let curvature = -tau * tau * lambda - 1.0;
        let step = (-gradient / curvature).clamp(-4.0, 4.0);
        z += step;
        if step.abs() < 1e-12 * (1.0 + z.abs()) {
            break;
        }
    }
    let curvature = tau * tau * (a + tau * z).exp() + 1.0;
    (z, 1.0 / curvature.sqrt())
}

/// ln P(k | Poisson(e^(a + τZ))), Z ~ N(0, 1), up to the k-only constant:
/// adaptive Gauss–Hermite quadrature about the integrand's mode.
fn poisson_lognormal_ln(k: u64, a: f64, tau: f64) -> f64 {
    if !(a.is_finite() && tau.is_finite()) {
        return f64::NEG_INFINITY;
    }
    let (mode, sd) = lognormal_mode(k, a, tau);
    let g = |z: f64| k as f64 * (a + tau * z) - (a + tau * z).exp() - 0.5 * z * z;
    let peak = g(mode);
    // ∫ e^(g(z)) dz = √2·sd·Σ wᵢ e^(xᵢ²) e^(g(mode + √2·sd·xᵢ)).
    let scale = std::f64::consts::SQRT_2 * sd;
    let sum: f64 = hermite_rule()
        .iter()
        .map(|&(x, w)| w * (x * x + g(mode + scale * x) - peak).exp())
        .sum();
    peak + (scale * sum).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

/// The 24-point Gauss–Hermite rule for ∫ e^(−x²) f(x) dx: (node, weight),
/// by Newton's method on the Hermite polynomials (Press et al., Numerical
/// Recipes, 3rd ed., §4.6).
fn hermite_rule() -> &'static [(f64, f64)] {
    static RULE: std::sync::OnceLock<Vec<(f64, f64)>> = std::sync::OnceLock::new();
    RULE.get_or_init(|| {
        let n = 24usize;
        let mut rule = vec![(0.0, 0.0); n];
        let pim4 = std::f64::consts::PI.powf(-0.25);
        let mut z: f64 = 0.0;
        for i in 0..n.div_ceil(2) {
            z = match i {
                0 => {
                    (2.0 * n as f64 + 1.0).sqrt()
                        - 1.85575 * (2.0 * n as f64 + 1.0).powf(-1.0 / 6.0)
                }
                1 => z - 1.14 * (n as f64).powf(0.426) / z,
                2 => 1.86 * z - 0.86 * rule[0].0,
                3 => 1.91 * z - 0.91 * rule[1].0,
                _ => 2.0 * z - rule[i - 2].0,
            };
            let mut derivative = 0.0;
            for _ in 0..100 {
                let (mut p1, mut p2) = (pim4, 0.0);
                for j in 0..n {
                    let p3 = p2;
                    p2 = p1;
                    p1 = z * (2.0 / (j as f64 + 1.0)).sqrt() * p2
                        - (j as f64 / (j as f64 + 1.0)).sqrt() * p3;
                }
                derivative = (2.0 * n as f64).sqrt() * p2;
                let step = p1 / derivative;
                z -= step;
                if step.abs() < 1e-14 {
                    break;
                }
            }
            let weight = 2.0 / (derivative * derivative);
            rule[i] = (z, weight);
            rule[n - 1 - i] = (-z, weight);
        }
        rule
    })
}

/// ln P(k | Poisson(mean)), up to the k-only constant.
fn poisson_ln(k: u64, mean: f64) -> f64 {
    if mean <= 0.0 {
        return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    k as f64 * mean.ln() - mean
}

/// ln P(k | Binomial(n, p)), up to the (k, n)-only constant.
fn binomial_ln(k: u64, n: u64, p: f64) -> f64 {
    let (k, n) = (k as f64, n as f64);
    let p = p.clamp(0.0, 1.0);
    let success = if k > 0.0 { k * p.ln() } else { 0.0 };
    let failure = if n > k { (n - k) * (-p).ln_1p() } else { 0.0 };
    success + failure
}
